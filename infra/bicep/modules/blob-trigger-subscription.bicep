metadata description = '''
Event Grid subscription that delivers BlobCreated events of the interactions container to the
Function App's Event Grid blob trigger (Flex Consumption has no polling blob trigger). The blob
extension's system key exists, and the webhook answers Event Grid's validation handshake, only once
the app code is deployed: deploy this after the code (azure.yaml's postdeploy hook does), or from
main.bicep with blobTriggerSubscriptionEnabled=true on later provisions.
'''

@description('Name of the Function App that hosts the trigger.')
param functionAppName string

@description('Name of the storage account\'s Event Grid system topic.')
param systemTopicName string

@description('Blob container whose new blobs start the trigger.')
param containerName string

@description('Name of the Event Grid triggered blob function.')
param functionName string = 'InteractionsEventGridBlobTrigger'

@description('Name of the event subscription.')
param subscriptionName string = 'interactions-blob-trigger'

resource functionApp 'Microsoft.Web/sites@2024-11-01' existing = {
  name: functionAppName
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' existing = {
  name: systemTopicName
}

resource subscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: systemTopic
  name: subscriptionName
  properties: {
    destination: {
      endpointType: 'WebHook'
      properties: {
        // The blob extension's webhook; its system key is read at deployment and never output.
        endpointUrl: 'https://${functionApp.properties.defaultHostName}/runtime/webhooks/blobs?functionName=Host.Functions.${functionName}&code=${listKeys('${functionApp.id}/host/default', functionApp.apiVersion).systemKeys.blobs_extension}'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [
        'Microsoft.Storage.BlobCreated'
      ]
      subjectBeginsWith: '/blobServices/default/containers/${containerName}/'
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}

@description('Name of the event subscription.')
output name string = subscription.name
