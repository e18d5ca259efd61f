# Training image, CPU: the `recommender` command line on the .NET 10 runtime, with libtorch (CPU).
#
# Build from the repository root:
#   docker build -f eng/docker/training.cpu.Dockerfile -t recommender-training:cpu .
# Run (arguments go to `recommender`):
#   docker run --rm recommender-training:cpu train --help

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /repo

# Restore first, from the project files only, so that code changes reuse the restored layer.
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY eng/MarkElfVersionWeak.cs eng/TorchSharpGlibcxx.targets eng/
COPY src/Core/Recommender.Core.csproj src/Core/
COPY src/Cli/Recommender.Cli.csproj src/Cli/
RUN dotnet restore src/Cli/Recommender.Cli.csproj -r linux-x64

COPY src/Core/ src/Core/
COPY src/Cli/ src/Cli/
RUN dotnet publish src/Cli/Recommender.Cli.csproj -c Release -r linux-x64 --self-contained false --no-restore -o /app

FROM mcr.microsoft.com/dotnet/runtime:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
USER $APP_UID
ENTRYPOINT ["dotnet", "recommender.dll"]
