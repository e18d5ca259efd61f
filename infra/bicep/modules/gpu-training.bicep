metadata description = '''
GPU training on Azure Container Apps: an environment with a GPU workload profile and a manually
triggered job that runs the training container. The Function App starts one execution per run and
fills in the arguments; the job's own identity reads the dataset and writes checkpoints.
'''

@description('Name of the Container Apps environment.')
param environmentName string

@description('Name of the Container Apps job.')
@maxLength(32)
param jobName string

@description('Resource id of the user-assigned identity the job runs as.')
param identityId string

@description('Client id of that identity.')
param identityClientId string

@description('Object id of that identity.')
param identityPrincipalId string

@description('Azure region of every resource (GPU profiles exist in some regions only).')
param location string

@description('Tags of every resource.')
param tags object = {}

@description('GPU workload profile type: serverless (Consumption-GPU-*) or dedicated (NC24-A100).')
@allowed([
  'Consumption-GPU-NC8as-T4'
  'Consumption-GPU-NC24-A100'
  'NC24-A100'
])
param workloadProfileType string

@description('Nodes a dedicated profile may grow to (ignored by serverless profiles).')
@minValue(1)
@maxValue(20)
param dedicatedMaximumNodes int = 1

@description('Log Analytics workspace that receives the environment\'s logs.')
param logAnalyticsName string

@description('Storage account with the interaction logs and the artifacts.')
param storageAccountName string

@description('Blob container with the interaction logs.')
param interactionsContainerName string

@description('Blob container with datasets, models and checkpoints.')
param artifactsContainerName string

@description('Training container image (eng/docker/training.cuda.Dockerfile).')
param image string

@description('Most memory in MB an EASE fit may take: the Function App\'s limit, since the app scores what the job trains.')
param easeMaxMemoryMB int

@description('Login server of the registry that holds the image; empty for a public image.')
param registryServer string = ''

@description('Arguments of the training command. Placeholders: each execution started by the Function App overrides them with its dataset version and run id.')
param trainingArguments string[]

@description('Cores of the training container.')
param cpu int

@description('Memory of the training container, e.g. 56Gi.')
param memory string

@description('Seconds an execution may run before it is stopped.')
@minValue(60)
param replicaTimeoutSeconds int

@description('Object id of the Function App\'s identity, allowed to start executions of the job.')
param starterPrincipalId string

var gpuProfileName = 'gpu'
var isServerless = startsWith(workloadProfileType, 'Consumption-')
var gpuProfile = isServerless
  ? {
      name: gpuProfileName
      workloadProfileType: workloadProfileType
    }
  : {
      name: gpuProfileName
      workloadProfileType: workloadProfileType
      minimumCount: 0
      maximumCount: dedicatedMaximumNodes
    }

// Built-in roles: the job writes blobs; the Function App reads, starts and stops the job.
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var containerAppsJobsOperator = 'b9a307c4-5aa3-4b52-ba60-2b17c136cd7b'

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' existing = {
  name: logAnalyticsName
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource environment 'Microsoft.App/managedEnvironments@2025-01-01' = {
  name: environmentName
  location: location
  tags: tags
  properties: {
    // Logs go through diagnostic settings, so the workspace needs no shared key.
    appLogsConfiguration: {
      destination: 'azure-monitor'
    }
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
      gpuProfile
    ]
  }
}

resource environmentLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  scope: environment
  name: 'to-log-analytics'
  properties: {
    workspaceId: workspace.id
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
  }
}

resource jobBlobAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, identityPrincipalId, storageBlobDataContributor)
  properties: {
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
  }
}

resource job 'Microsoft.App/jobs@2025-01-01' = {
  name: jobName
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    environmentId: environment.id
    workloadProfileName: gpuProfileName
    configuration: {
      triggerType: 'Manual'
      manualTriggerConfig: {
        parallelism: 1
        replicaCompletionCount: 1
      }
      replicaTimeout: replicaTimeoutSeconds
      // The orchestrator retries the training activity; a retried run resumes from its last checkpoint.
      replicaRetryLimit: 0
      registries: empty(registryServer)
        ? []
        : [
            {
              server: registryServer
              identity: identityId
            }
          ]
    }
    template: {
      containers: [
        {
          name: 'training'
          image: !empty(image) ? image : fail('trainingImage is required when enableGpuTraining is true')
          command: [
            'dotnet'
            'recommender.dll'
          ]
          args: trainingArguments
          resources: {
            cpu: cpu
            memory: memory
          }
          env: [
            {
              name: 'AZURE_CLIENT_ID'
              value: identityClientId
            }
            {
              name: 'Recommender__Storage__AccountName'
              value: storage.name
            }
            {
              name: 'Recommender__Storage__ManagedIdentityClientId'
              value: identityClientId
            }
            {
              name: 'Recommender__Storage__InteractionsContainer'
              value: interactionsContainerName
            }
            {
              name: 'Recommender__Storage__ArtifactsContainer'
              value: artifactsContainerName
            }
            {
              name: 'Recommender__Training__Device'
              value: 'cuda'
            }
            {
              name: 'Recommender__Training__EaseMaxMemoryMB'
              value: string(easeMaxMemoryMB)
            }
          ]
        }
      ]
    }
  }
}

resource starterJobsOperator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: job
  name: guid(job.id, starterPrincipalId, containerAppsJobsOperator)
  properties: {
    principalId: starterPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', containerAppsJobsOperator)
  }
}

@description('Resource id of the training job: what the Function App starts.')
output jobId string = job.id

@description('Name of the training job.')
output jobName string = job.name
