# After `azd deploy`: create the Event Grid subscription of the interactions blob trigger (see
# postdeploy.sh for why it waits for the deployed code). Needs the Azure CLI, signed in (`az login`).
$ErrorActionPreference = 'Stop'

if ($env:BLOB_TRIGGER_SUBSCRIPTION_ENABLED -eq 'true') {
    Write-Host 'Blob trigger subscription: managed by azd provision.'
    exit 0
}

for ($attempt = 1; ; $attempt++) {
    az deployment group create `
        --resource-group $env:AZURE_RESOURCE_GROUP `
        --name blob-trigger-subscription `
        --template-file infra/bicep/modules/blob-trigger-subscription.bicep `
        --parameters functionAppName=$env:AZURE_FUNCTION_APP_NAME `
                     systemTopicName=$env:INTERACTIONS_SYSTEM_TOPIC_NAME `
                     containerName=$env:INTERACTIONS_CONTAINER_NAME `
        --output none
    if ($LASTEXITCODE -eq 0) { break }
    if ($attempt -ge 5) {
        throw "Could not create the blob trigger subscription; run 'azd hooks run postdeploy' again."
    }
    Start-Sleep -Seconds 30
}

azd env set BLOB_TRIGGER_SUBSCRIPTION_ENABLED true
Write-Host "Blob trigger subscription created: uploads to '$env:INTERACTIONS_CONTAINER_NAME' now start the pipeline."
