metadata description = 'Event Grid system topic of the storage account: the source of the BlobCreated events that start the Event Grid blob trigger.'

@description('Name of the system topic.')
param name string

@description('Azure region of the system topic (the storage account\'s region).')
param location string

@description('Tags of the system topic.')
param tags object = {}

@description('Name of the storage account whose events the topic publishes.')
param storageAccountName string

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: name
  location: location
  tags: tags
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

@description('Name of the system topic.')
output name string = systemTopic.name
