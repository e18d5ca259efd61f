# Training image, GPU: the `recommender` command line built against TorchSharp-cuda-linux
# (libtorch for CUDA 12.8, which ships its own CUDA libraries) on an NVIDIA CUDA 12.8 runtime base
# with the .NET 10 runtime added. The host provides the NVIDIA driver (Azure Container Apps GPU
# workload profiles do; locally: the NVIDIA Container Toolkit and `--gpus all`).
#
# Build from the repository root:
#   docker build -f eng/docker/training.cuda.Dockerfile -t recommender-training:cuda .
# Run (arguments go to `recommender`):
#   docker run --rm --gpus all recommender-training:cuda train --help
# Push for the Container Apps job (infra/bicep, enableGpuTraining=true):
#   docker tag recommender-training:cuda <registry>.azurecr.io/recommender-training:cuda
#   docker push <registry>.azurecr.io/recommender-training:cuda

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /repo

COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY eng/MarkElfVersionWeak.cs eng/TorchSharpGlibcxx.targets eng/
COPY src/Core/Recommender.Core.csproj src/Core/
COPY src/Cli/Recommender.Cli.csproj src/Cli/
RUN dotnet restore src/Cli/Recommender.Cli.csproj -r linux-x64 -p:TorchDevice=cuda

COPY src/Core/ src/Core/
COPY src/Cli/ src/Cli/
RUN dotnet publish src/Cli/Recommender.Cli.csproj -c Release -r linux-x64 --self-contained false --no-restore \
    -p:TorchDevice=cuda -o /app

# The .NET runtime comes from Microsoft's image of the same Ubuntu release as the CUDA base.
FROM mcr.microsoft.com/dotnet/runtime:10.0-noble AS dotnet

FROM nvidia/cuda:12.8.1-runtime-ubuntu24.04 AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libicu74 tzdata \
    && rm -rf /var/lib/apt/lists/*
COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
ENV DOTNET_ROOT=/usr/share/dotnet \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
WORKDIR /app
COPY --from=build /app ./
USER ubuntu
ENTRYPOINT ["dotnet", "recommender.dll"]
