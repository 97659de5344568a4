// One Mesh service as a container app with its Dapr sidecar. Stages with a topic scale on that
// topic's backlog for their own subscription (KEDA azure-servicebus, managed identity).
param location string
param prefix string
param environmentId string
param identityId string
param identityClientId string
param acrServer string
param tag string
param appId string
param workloadProfile string
param cpu string
param memory string
param scaleTopic string
param serviceBusNamespace string
param minReplicas int
param maxReplicas int
param external bool
param modelPath string

// Settings by service: the model for the scheduler (tokenizer) and the workers, the KV cache's HTTP/2 (h2c) data
// plane on a second, internal port (workers and scheduler reach it as http://<prefix>-kvcache:8081), and the
// scheduler's journal in the Dapr state store.
var kvCacheUrl = 'http://${prefix}-kvcache:8081'
var roleEnv = {
  scheduler: [
    { name: 'Mesh__Scheduler__Model', value: modelPath }
    { name: 'Mesh__Scheduler__KvCacheUrl', value: kvCacheUrl }
    { name: 'Mesh__Scheduler__StateStore', value: 'statestore' }
  ]
  prefill: [
    { name: 'Mesh__Worker__Model', value: modelPath }
    { name: 'Mesh__Worker__KvCacheUrl', value: kvCacheUrl }
  ]
  decode: [
    { name: 'Mesh__Worker__Model', value: modelPath }
    { name: 'Mesh__Worker__KvCacheUrl', value: kvCacheUrl }
  ]
  kvcache: [
    { name: 'KvCache__H2cUrl', value: 'http://+:8081' }
  ]
}
var commonEnv = [
  { name: 'ASPNETCORE_URLS', value: 'http://+:8080' }
  { name: 'Mesh__Bus__Mode', value: 'Dapr' }
  { name: 'Mesh__Bus__AppId', value: appId }
  { name: 'AZURE_CLIENT_ID', value: identityClientId }
]

var backlogRule = {
  name: 'backlog'
  custom: {
    type: 'azure-servicebus'
    identity: identityId
    metadata: {
      namespace: serviceBusNamespace
      topicName: scaleTopic
      subscriptionName: appId
      messageCount: '4'
      activationMessageCount: '1'
    }
  }
}

resource app 'Microsoft.App/containerApps@2025-07-01' = {
  name: '${prefix}-${appId}'
  location: location
  identity: { type: 'UserAssigned', userAssignedIdentities: { '${identityId}': {} } }
  properties: {
    environmentId: environmentId
    workloadProfileName: workloadProfile
    configuration: {
      ingress: {
        external: external
        targetPort: 8080
        transport: 'auto'
        additionalPortMappings: appId == 'kvcache' ? [ { external: false, targetPort: 8081 } ] : []
      }
      dapr: { enabled: true, appId: appId, appPort: 8080, appProtocol: 'http', httpMaxRequestSize: 16 }
      registries: [ { server: acrServer, identity: identityId } ]
    }
    template: {
      containers: [ {
        name: appId
        image: '${acrServer}/mesh-${appId}:${tag}'
        resources: { cpu: json(cpu), memory: memory }
        env: concat(commonEnv, roleEnv[?appId] ?? [])
      } ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: empty(scaleTopic) ? [] : [ backlogRule ]
      }
    }
  }
}

output url string = external ? 'https://${app.properties.configuration.ingress.fqdn}' : ''
