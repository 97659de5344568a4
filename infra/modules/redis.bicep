// Azure Cache for Redis: the KV cache's Redis tier and the Dapr state/actor stores.
param location string
param prefix string

resource redis 'Microsoft.Cache/redis@2023-08-01' = {
  name: '${prefix}-redis-${uniqueString(resourceGroup().id)}'
  location: location
  properties: {
    sku: { name: 'Standard', family: 'C', capacity: 2 }
    enableNonSslPort: false
    minimumTlsVersion: '1.2'
  }
}

output host string = '${redis.properties.hostName}:${redis.properties.sslPort}'
#disable-next-line outputs-should-not-contain-secrets
output primaryKey string = redis.listKeys().primaryKey
