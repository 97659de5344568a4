// Service Bus namespace with Mesh's topics and one subscription per consuming app id. Topics and
// subscriptions are created here, so the Dapr component runs with disableEntityManagement.
param location string
param prefix string
param principalId string

// topic → app ids that subscribe to it (subscription name = Dapr app id = consumerID)
var topics = [
  { name: 'mesh.requests',      subscribers: [ 'scheduler' ] }
  { name: 'mesh.cancellations', subscribers: [ 'scheduler', 'prefill', 'decode' ] }
  { name: 'mesh.encode',        subscribers: [ 'encode' ] }
  { name: 'mesh.encode.done',   subscribers: [ 'scheduler' ] }
  { name: 'mesh.prefill',       subscribers: [ 'prefill' ] }
  { name: 'mesh.prefill.done',  subscribers: [ 'scheduler' ] }
  { name: 'mesh.decode',        subscribers: [ 'decode' ] }
  { name: 'mesh.decode.done',   subscribers: [ 'scheduler' ] }
  { name: 'mesh.stage.failed',  subscribers: [ 'scheduler' ] }
  { name: 'mesh.attention',     subscribers: [ 'attention' ] }
  { name: 'mesh.kv.events',     subscribers: [ 'scheduler' ] }
  { name: 'mesh.workers.load',  subscribers: [ 'scheduler' ] }
]

var subscriptions = flatten(map(topics, t => map(t.subscribers, s => { topic: t.name, app: s })))

resource sb 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: '${prefix}-sb-${uniqueString(resourceGroup().id)}'
  location: location
  sku: { name: 'Standard', tier: 'Standard' }
}

resource topic 'Microsoft.ServiceBus/namespaces/topics@2022-10-01-preview' = [for t in topics: {
  parent: sb
  name: t.name
  properties: { requiresDuplicateDetection: true, duplicateDetectionHistoryTimeWindow: 'PT10M' }
}]

resource subscription 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2022-10-01-preview' = [for s in subscriptions: {
  name: '${sb.name}/${s.topic}/${s.app}'
  properties: { lockDuration: 'PT1M', maxDeliveryCount: 10, deadLetteringOnMessageExpiration: true }
  dependsOn: [ topic ]
}]

// Azure Service Bus Data Owner: send, receive and read entity metadata
var dataOwner = '090c5cfd-751d-490a-894a-3ce6f1109419'

resource owner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(sb.id, principalId, dataOwner)
  scope: sb
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataOwner)
  }
}

output name string = sb.name
output fqdn string = '${sb.name}.servicebus.windows.net'
