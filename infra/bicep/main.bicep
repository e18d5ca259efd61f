targetScope = 'subscription'

metadata description = '''
Recommender on Azure: a storage account reached with Entra ID only, a Flex Consumption Function App
(.NET 10 isolated, Durable Functions) running as a user-assigned identity, Application Insights,
the Event Grid feed of the interactions blob trigger and, with enableGpuTraining, a GPU training
job on Azure Container Apps. Deploy with `azd up` (azure.yaml at the repository root).
'''

// ---------------------------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------------------------

@minLength(1)
@maxLength(64)
@description('Name of the azd environment: resource names and the azd-env-name tag derive from it.')
param environmentName string

@minLength(1)
@description('Azure region of every resource.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group to create or update; empty means rg-{environmentName}.')
param resourceGroupName string = ''

// ---------------------------------------------------------------------------------------------
// Function App
// ---------------------------------------------------------------------------------------------

@description('Memory of each Function App instance in MB. Inline training needs the larger sizes.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 4096

@description('Most instances the Function App scales out to (scoring fans out over user shards).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Create the Event Grid subscription that feeds the blob trigger. Its webhook only answers once the app code is deployed: the first azd up leaves it off and the postdeploy hook creates it and turns this on.')
param blobTriggerSubscriptionEnabled bool = false

// ---------------------------------------------------------------------------------------------
// Application settings (Recommender__*)
// ---------------------------------------------------------------------------------------------

@description('Blob container the interaction logs (Parquet) are uploaded to.')
param interactionsContainerName string = 'interactions'

@description('Blob container of datasets, models, checkpoints and reports.')
param artifactsContainerName string = 'artifacts'

@description('Table of the precomputed recommendations.')
param lookupTableName string = 'recommendations'

@description('Durable Functions task hub.')
param taskHubName string = 'recommender'

@description('NCRONTAB schedule of the nightly run (seconds first), UTC.')
param pipelineSchedule string = '0 0 2 * * *'

@description('Items kept per user in the lookup table.')
@minValue(1)
@maxValue(1000)
param topK int = 100

@description('Users per scoring shard.')
@minValue(1)
param shardSize int = 5000

@description('Scoring shards run at the same time.')
@minValue(1)
@maxValue(256)
param maxParallelShards int = 8

@description('Candidates of the automatic model choice trained at the same time.')
@minValue(1)
@maxValue(16)
param maxParallelCandidates int = 3

@description('Published versions kept for rollback, the active one included.')
@minValue(1)
@maxValue(100)
param keepVersions int = 3

@description('Kind of model to train on the implicit feedback this deployment reads: auto (EASE, iALS, softmax and their blend trained, the best on validation published), softmax, bpr, ease or ials.')
@allowed([
  'auto'
  'softmax'
  'bpr'
  'ease'
  'ials'
])
param trainingKind string = 'auto'

@description('Embedding dimension.')
@minValue(1)
param trainingDimension int = 64

// EASE holds catalog-by-catalog matrices and dense interaction rows. Measured (recommender train --model ease): about
// 0.7 GB + 20 bytes per item squared + 19 bytes per user-item cell to fit (EaseMemory.FitBytes): 2.5 GB for 1,000
// users x 9,296 items, 2.0 GB for 20,000 users x 3,000 items. The default keeps a fit and a second activity
// (host.json runs two per instance) inside one instance; the job gets the same limit, since the app scores what the
// job trains (a scoring shard of an EASE model takes 0.2 GB + 8 bytes per item squared).
@description('Most memory in MB an EASE fit may take; above it the automatic choice leaves EASE out (and Kind = ease is refused). Default: 2,700 on 4,096 MB instances, 1,200 on 2,048 MB, 300 on 512 MB (no EASE).')
@minValue(1)
param easeMaxMemoryMB int = instanceMemoryMB >= 4096 ? 2700 : (instanceMemoryMB >= 2048 ? 1200 : 300)

@description('More app settings, merged over the ones this template sets (e.g. Recommender__Columns__UserColumn): settings added in the portal are replaced by each deployment.')
param additionalAppSettings object = {}

@description('Most training epochs; 0 (the default) keeps each model kind its own (softmax 30, BPR 60, iALS 16, EASE 30 λ steps), as the recommender CLI does.')
@minValue(0)
param trainingEpochs int = 0

@description('Longest a training job execution may run, hh:mm:ss.')
param trainingTimeout string = '02:00:00'

// ---------------------------------------------------------------------------------------------
// GPU training on Azure Container Apps
// ---------------------------------------------------------------------------------------------

@description('Train on a GPU Container Apps job instead of on the Function App.')
param enableGpuTraining bool = false

@description('GPU workload profile: serverless T4 or A100 (billed per second of execution), or a dedicated A100 profile (billed per node while it runs).')
@allowed([
  'Consumption-GPU-NC8as-T4'
  'Consumption-GPU-NC24-A100'
  'NC24-A100'
])
param gpuWorkloadProfileType string = 'Consumption-GPU-NC8as-T4'

@description('Training image built from eng/docker/training.cuda.Dockerfile, e.g. myregistry.azurecr.io/recommender-training:cuda. Required with enableGpuTraining.')
param trainingImage string = ''

@description('Existing Azure Container Registry that holds trainingImage (the job pulls with its identity); empty for a public image.')
param containerRegistryName string = ''

@description('Resource group of containerRegistryName; empty means the resource group of this deployment.')
param containerRegistryResourceGroupName string = ''

@description('Arguments of the training command. Placeholders: each execution the Function App starts overrides them with its dataset version and run id.')
param trainingArguments string[] = [
  'train'
  '--dataset'
  '<dataset-version>'
  '--run-id'
  '<run-id>'
]

@description('Cores of the training container; 0 takes the whole GPU profile (8 for T4, 24 for A100).')
@minValue(0)
param trainingCpu int = 0

@description('Memory of the training container; empty takes the whole GPU profile (56Gi for T4, 220Gi for A100).')
param trainingMemory string = ''

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var deploymentContainerName = 'app-package'
var functionAppName = 'func-${resourceToken}'
var isT4 = gpuWorkloadProfileType == 'Consumption-GPU-NC8as-T4'
var trainingJobTimeoutSeconds = int(split(trainingTimeout, ':')[0]) * 3600 + int(split(trainingTimeout, ':')[1]) * 60 + int(split(trainingTimeout, ':')[2])

// Built-in roles of the Function App's identity: blobs (host, package, data), queues (Durable
// Functions, blob trigger), tables (Durable Functions history, lookup table).
var functionStorageRoles = [
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
]

resource rg 'Microsoft.Resources/resourceGroups@2024-11-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

module functionIdentity 'modules/identity.bicep' = {
  scope: rg
  params: {
    name: 'id-func-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    containerNames: [
      interactionsContainerName
      artifactsContainerName
      deploymentContainerName
    ]
    tableNames: [
      lookupTableName
    ]
  }
}

module monitoring 'modules/monitoring.bicep' = {
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module functionStorageAccess 'modules/storage-role-assignments.bicep' = {
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    principalId: functionIdentity.outputs.principalId
    roleDefinitionIds: functionStorageRoles
  }
}

module functionTelemetryAccess 'modules/telemetry-role-assignment.bicep' = {
  scope: rg
  params: {
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    principalId: functionIdentity.outputs.principalId
  }
}

module storageEvents 'modules/storage-events.bicep' = {
  scope: rg
  params: {
    name: 'evgt-${resourceToken}'
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
  }
}

module trainingIdentity 'modules/identity.bicep' = if (enableGpuTraining) {
  scope: rg
  params: {
    name: 'id-train-${resourceToken}'
    location: location
    tags: tags
  }
}

module trainingRegistryPull 'modules/registry-pull.bicep' = if (enableGpuTraining && !empty(containerRegistryName)) {
  scope: resourceGroup(!empty(containerRegistryResourceGroupName) ? containerRegistryResourceGroupName : rg.name)
  params: {
    registryName: containerRegistryName
    principalId: trainingIdentity!.outputs.principalId
  }
}

module gpuTraining 'modules/gpu-training.bicep' = if (enableGpuTraining) {
  scope: rg
  params: {
    environmentName: 'cae-${resourceToken}'
    jobName: 'caj-train-${resourceToken}'
    identityId: trainingIdentity!.outputs.id
    identityClientId: trainingIdentity!.outputs.clientId
    identityPrincipalId: trainingIdentity!.outputs.principalId
    location: location
    tags: tags
    workloadProfileType: gpuWorkloadProfileType
    logAnalyticsName: monitoring.outputs.logAnalyticsName
    storageAccountName: storage.outputs.name
    interactionsContainerName: interactionsContainerName
    artifactsContainerName: artifactsContainerName
    image: trainingImage
    registryServer: trainingRegistryPull.?outputs.loginServer ?? ''
    trainingArguments: trainingArguments
    easeMaxMemoryMB: easeMaxMemoryMB
    cpu: trainingCpu > 0 ? trainingCpu : (isT4 ? 8 : 24)
    memory: !empty(trainingMemory) ? trainingMemory : (isT4 ? '56Gi' : '220Gi')
    replicaTimeoutSeconds: trainingJobTimeoutSeconds
    starterPrincipalId: functionIdentity.outputs.principalId
  }
}

var storageSettings = {
  Recommender__Storage__AccountName: storage.outputs.name
  Recommender__Storage__ManagedIdentityClientId: functionIdentity.outputs.clientId
  Recommender__Storage__InteractionsContainer: interactionsContainerName
  Recommender__Storage__ArtifactsContainer: artifactsContainerName
  Recommender__Storage__LookupTable: lookupTableName
  // Connection of the interactions blob trigger.
  InteractionsStorage__blobServiceUri: storage.outputs.blobEndpoint
  InteractionsStorage__queueServiceUri: storage.outputs.queueEndpoint
  InteractionsStorage__credential: 'managedidentity'
  InteractionsStorage__clientId: functionIdentity.outputs.clientId
  // Flex Consumption runs only the Event Grid blob trigger; the polling one is for Azurite.
  'AzureWebJobs.InteractionsBlobTrigger.Disabled': 'true'
  'AzureWebJobs.InteractionsEventGridBlobTrigger.Disabled': 'false'
}

var pipelineSettings = {
  // Flat names: the host hands host.json's hubName and the timer's schedule to the scale controller as written,
  // which looks them up among the app settings, where no name holds ':' (see README, '%name% in host.json').
  RecommenderTaskHub: taskHubName
  RecommenderSchedule: pipelineSchedule
  Recommender__Pipeline__TopK: string(topK)
  Recommender__Pipeline__ShardSize: string(shardSize)
  Recommender__Pipeline__MaxParallelShards: string(maxParallelShards)
  Recommender__Pipeline__MaxParallelCandidates: string(maxParallelCandidates)
  Recommender__Pipeline__KeepVersions: string(keepVersions)
  Recommender__Training__Kind: trainingKind
  Recommender__Training__Dimension: string(trainingDimension)
  Recommender__Training__EaseMaxMemoryMB: string(easeMaxMemoryMB)
  Recommender__Training__Device: enableGpuTraining ? 'cuda' : 'cpu'
  // Without the GPU job, training runs in the activity: the Process host runs the CLI beside the app, which the
  // deployed package does not carry.
  Recommender__TrainingHost__Kind: enableGpuTraining ? 'ContainerJob' : 'Inline'
}

var containerJobSettings = enableGpuTraining
  ? {
      Recommender__TrainingHost__ContainerJob__JobResourceId: gpuTraining!.outputs.jobId
      Recommender__TrainingHost__ContainerJob__Timeout: trainingTimeout
      Recommender__TrainingHost__ContainerJob__PollInterval: '00:00:30'
    }
  : {}

module functionApp 'modules/function-app.bicep' = {
  scope: rg
  params: {
    name: functionAppName
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    appTags: union(tags, {
      'azd-service-name': 'api'
    })
    identityId: functionIdentity.outputs.id
    identityClientId: functionIdentity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    appSettings: union(storageSettings, pipelineSettings, trainingEpochs > 0 ? { Recommender__Training__Epochs: string(trainingEpochs) } : {}, containerJobSettings, additionalAppSettings)
  }
  // The host starts with the app: its identity must already hold the storage and telemetry roles.
  dependsOn: [
    functionStorageAccess
    functionTelemetryAccess
  ]
}

module blobTriggerSubscription 'modules/blob-trigger-subscription.bicep' = if (blobTriggerSubscriptionEnabled) {
  scope: rg
  params: {
    functionAppName: functionApp.outputs.name
    systemTopicName: storageEvents.outputs.name
    containerName: interactionsContainerName
  }
}

@description('Resource group of every resource.')
output AZURE_RESOURCE_GROUP string = rg.name

@description('Name of the Function App.')
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name

@description('Default host name of the Function App.')
output AZURE_FUNCTION_APP_HOSTNAME string = functionApp.outputs.defaultHostName

@description('Base URL of the HTTP API, e.g. {base}/recommendations/{userId}?k=10.')
output RECOMMENDER_API_BASE_URL string = 'https://${functionApp.outputs.defaultHostName}/api'

@description('Name of the storage account.')
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name

@description('Blob endpoint of the storage account: upload interaction logs to {endpoint}{interactions container}/.')
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint

@description('Blob container the interaction logs go to.')
output INTERACTIONS_CONTAINER_NAME string = interactionsContainerName

@description('Event Grid system topic of the storage account (used by the postdeploy hook).')
output INTERACTIONS_SYSTEM_TOPIC_NAME string = storageEvents.outputs.name

@description('Resource id of the GPU training job; empty without enableGpuTraining.')
output TRAINING_JOB_RESOURCE_ID string = gpuTraining.?outputs.jobId ?? ''
