#!/bin/sh
# After `azd deploy`: create the Event Grid subscription of the interactions blob trigger. It can
# only be created once the app code runs (the blob extension's system key and the webhook's
# validation handshake come from the deployed app), so `azd provision` skips it until this hook
# has run once and set BLOB_TRIGGER_SUBSCRIPTION_ENABLED=true; later provisions keep it.
# Needs the Azure CLI, signed in to the same subscription (`az login`).
set -eu

if [ "${BLOB_TRIGGER_SUBSCRIPTION_ENABLED:-false}" = "true" ]; then
  echo "Blob trigger subscription: managed by azd provision."
  exit 0
fi

# The host creates the extension's key when it first starts after a deployment: try a few times.
attempt=1
until az deployment group create \
    --resource-group "$AZURE_RESOURCE_GROUP" \
    --name blob-trigger-subscription \
    --template-file infra/bicep/modules/blob-trigger-subscription.bicep \
    --parameters functionAppName="$AZURE_FUNCTION_APP_NAME" \
                 systemTopicName="$INTERACTIONS_SYSTEM_TOPIC_NAME" \
                 containerName="$INTERACTIONS_CONTAINER_NAME" \
    --output none; do
  if [ "$attempt" -ge 5 ]; then
    echo "Could not create the blob trigger subscription; run 'azd hooks run postdeploy' again." >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 30
done

azd env set BLOB_TRIGGER_SUBSCRIPTION_ENABLED true
echo "Blob trigger subscription created: uploads to '$INTERACTIONS_CONTAINER_NAME' now start the pipeline."
