metadata description = 'A user-assigned managed identity: the only credential a workload gets.'

@description('Name of the identity.')
param name string

@description('Azure region of the identity.')
param location string

@description('Tags of the identity.')
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

@description('Resource id of the identity.')
output id string = identity.id

@description('Name of the identity.')
output name string = identity.name

@description('Client id: what a workload passes to select this identity.')
output clientId string = identity.properties.clientId

@description('Object id of the service principal: what role assignments grant to.')
output principalId string = identity.properties.principalId
