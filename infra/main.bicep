// Mesh on Azure Container Apps: one container app per service with Dapr enabled, Service Bus topics
// for pub/sub, Azure Cache for Redis for the KV-cache tier and the state store, GPU workload profiles
// for the model-running services, KEDA scale rules on each stage's backlog, one user-assigned
// managed identity for everything.
//
//   az deployment group create -g <rg> -f infra/main.bicep -p acrServer=<name>.azurecr.io
//
// Topic names are Mesh's (services/Shared/Mesh.Contracts/Messaging/Topics.cs); the subscription name
// of each consumer equals its Dapr app id (= Dapr consumerID = KEDA subscriptionName).

targetScope = 'resourceGroup'

@description('Region; it must offer the GPU workload profiles below.')
param location string = resourceGroup().location

@description('Name prefix for every resource.')
param prefix string = 'mesh'

@description('Container registry holding the mesh-<service> images.')
param acrServer string

@description('Image tag to deploy.')
param tag string = 'latest'

@description('Serverless GPU profile for prefill and decode (Consumption-GPU-NC24-A100 or Consumption-GPU-NC8as-T4).')
param gpuProfileType string = 'Consumption-GPU-NC24-A100'

@description('Model to serve, as a path inside the worker images or a mounted share.')
param modelPath string = '/models/model.gguf'

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: { location: location, prefix: prefix }
}

module bus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  params: { location: location, prefix: prefix, principalId: identity.outputs.principalId }
}

module redis 'modules/redis.bicep' = {
  name: 'redis'
  params: { location: location, prefix: prefix }
}

module env 'modules/environment.bicep' = {
  name: 'environment'
  params: {
    location: location
    prefix: prefix
    gpuProfileType: gpuProfileType
    serviceBusFqdn: bus.outputs.fqdn
    identityClientId: identity.outputs.clientId
    redisHost: redis.outputs.host
    redisKeySecret: redis.outputs.primaryKey
  }
}

// app id, workload profile, size, the topic whose backlog scales it, replicas
var services = [
  { appId: 'gateway',   profile: 'Consumption', cpu: '1.0', memory: '2Gi',   topic: '',                  min: 1, max: 5,  external: true }
  { appId: 'scheduler', profile: 'Consumption', cpu: '1.0', memory: '2Gi',   topic: 'mesh.requests',     min: 1, max: 3,  external: false }
  { appId: 'kvcache',   profile: 'Consumption', cpu: '2.0', memory: '4Gi',   topic: '',                  min: 1, max: 3,  external: false }
  { appId: 'encode',    profile: 'Consumption', cpu: '2.0', memory: '4Gi',   topic: 'mesh.encode',       min: 0, max: 4,  external: false }
  { appId: 'attention', profile: 'Consumption', cpu: '2.0', memory: '4Gi',   topic: 'mesh.attention',    min: 0, max: 4,  external: false }
  { appId: 'prefill',   profile: 'gpu',         cpu: '24',  memory: '220Gi', topic: 'mesh.prefill',      min: 0, max: 4,  external: false }
  { appId: 'decode',    profile: 'gpu',         cpu: '24',  memory: '220Gi', topic: 'mesh.decode',       min: 0, max: 4,  external: false }
]

module apps 'modules/app.bicep' = [for s in services: {
  name: 'app-${s.appId}'
  params: {
    location: location
    prefix: prefix
    environmentId: env.outputs.id
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    acrServer: acrServer
    tag: tag
    appId: s.appId
    workloadProfile: s.profile
    cpu: s.cpu
    memory: s.memory
    scaleTopic: s.topic
    serviceBusNamespace: bus.outputs.name
    minReplicas: s.min
    maxReplicas: s.max
    external: s.external
    modelPath: modelPath
  }
}]

output gatewayUrl string = apps[0].outputs.url
