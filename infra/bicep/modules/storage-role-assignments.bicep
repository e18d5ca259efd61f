metadata description = 'Grants one principal data-plane roles on a storage account. Assignment names are guid(scope, principal, role), so a redeployment finds the same assignments.'

@description('Name of the storage account the roles apply to.')
param storageAccountName string

@description('Object id of the service principal that receives the roles.')
param principalId string

@description('Ids (GUIDs) of the built-in role definitions to assign.')
param roleDefinitionIds string[]

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleDefinitionId in roleDefinitionIds: {
    scope: storage
    name: guid(storage.id, principalId, roleDefinitionId)
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionId)
    }
  }
]
