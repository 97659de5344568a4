// The one user-assigned identity every Mesh app runs as (Service Bus, registry pull, KEDA scalers).
param location string
param prefix string

resource uami 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${prefix}-id'
  location: location
}

output id string = uami.id
output clientId string = uami.properties.clientId
output principalId string = uami.properties.principalId
