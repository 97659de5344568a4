// The Container Apps environment: logs, workload profiles (one serverless GPU profile), and the
// Dapr components in ACA's own schema (componentType, secretRef, scopes = app ids).
param location string
param prefix string
param gpuProfileType string
param serviceBusFqdn string
param identityClientId string
param redisHost string
@secure()
param redisKeySecret string

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${prefix}-logs'
  location: location
  properties: { sku: { name: 'PerGB2018' }, retentionInDays: 30 }
}

resource env 'Microsoft.App/managedEnvironments@2025-07-01' = {
  name: '${prefix}-env'
  location: location
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: { customerId: logs.properties.customerId, sharedKey: logs.listKeys().primarySharedKey }
    }
    workloadProfiles: [
      { name: 'Consumption', workloadProfileType: 'Consumption' }
      { name: 'gpu', workloadProfileType: gpuProfileType }
    ]
  }
}

var allApps = [ 'gateway', 'scheduler', 'encode', 'prefill', 'decode', 'attention', 'kvcache' ]

resource pubsub 'Microsoft.App/managedEnvironments/daprComponents@2025-07-01' = {
  parent: env
  name: 'pubsub'
  properties: {
    componentType: 'pubsub.azure.servicebus.topics'
    version: 'v1'
    metadata: [
      { name: 'namespaceName', value: serviceBusFqdn }
      { name: 'azureClientId', value: identityClientId }
      { name: 'disableEntityManagement', value: 'true' }
      { name: 'maxConcurrentHandlers', value: '4' }
      { name: 'maxActiveMessages', value: '16' }
      { name: 'lockRenewalInSec', value: '20' }
      { name: 'handlerTimeoutInSec', value: '300' }
    ]
    scopes: allApps
  }
}

resource statestore 'Microsoft.App/managedEnvironments/daprComponents@2025-07-01' = {
  parent: env
  name: 'statestore'
  properties: {
    componentType: 'state.redis'
    version: 'v1'
    secrets: [ { name: 'redis-key', value: redisKeySecret } ]
    metadata: [
      { name: 'redisHost', value: redisHost }
      { name: 'redisPassword', secretRef: 'redis-key' }
      { name: 'enableTLS', value: 'true' }
      { name: 'keyPrefix', value: 'name' }
    ]
    scopes: allApps
  }
}

resource actorstore 'Microsoft.App/managedEnvironments/daprComponents@2025-07-01' = {
  parent: env
  name: 'actorstore'
  properties: {
    componentType: 'state.redis'
    version: 'v1'
    secrets: [ { name: 'redis-key', value: redisKeySecret } ]
    metadata: [
      { name: 'redisHost', value: redisHost }
      { name: 'redisPassword', secretRef: 'redis-key' }
      { name: 'enableTLS', value: 'true' }
      { name: 'actorStateStore', value: 'true' }
    ]
    scopes: [ 'scheduler' ]
  }
}

output id string = env.id
