# syntax=docker/dockerfile:1
# One build, one image per role: the silo with one code location each (silo-sales, silo-analytics), the gateway
# (REST API and dashboards), and oa.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# The dashboard is built from source with npm during the .NET build.
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
RUN dotnet publish silo/OrleansAssets.Silo.csproj -c Release -o /out/silo \
 && dotnet publish gateway/OrleansAssets.GatewayHost.csproj -c Release -o /out/gateway \
 && dotnet publish client/OrleansAssets.Cli.csproj -c Release -o /out/oa \
 # Each code location goes into its own image; the silo image carries none.
 && mv /out/silo/codelocations /out/codelocations

# The silo serves no HTTP in a cluster, but shares the gateway's assembly (dev mode hosts it in-process).
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS silo
WORKDIR /app
COPY --from=build /out/silo .
ENV DOTNET_gcServer=1 \
    OrleansAssets__IOManager__Root=/data/storage
EXPOSE 11111 30000
ENTRYPOINT ["dotnet", "OrleansAssets.Silo.dll"]

FROM silo AS silo-sales
COPY --from=build /out/codelocations/SalesPipeline /app/codelocations/SalesPipeline
ENV OrleansAssets__CodeLocations__0__Assembly=/app/codelocations/SalesPipeline/SalesPipeline.dll

FROM silo AS silo-analytics
COPY --from=build /out/codelocations/ProductAnalytics /app/codelocations/ProductAnalytics
ENV OrleansAssets__CodeLocations__0__Assembly=/app/codelocations/ProductAnalytics/ProductAnalytics.dll

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS gateway
WORKDIR /app
COPY --from=build /out/gateway .
ENV OrleansAssets__Gateway__Port=3000
EXPOSE 3000
HEALTHCHECK --interval=5s --timeout=5s --retries=12 CMD ["dotnet", "OrleansAssets.Gateway.Host.dll", "--health-check", "http://localhost:3000/health/ready"]
ENTRYPOINT ["dotnet", "OrleansAssets.Gateway.Host.dll"]

FROM mcr.microsoft.com/dotnet/runtime:10.0 AS oa
WORKDIR /app
COPY --from=build /out/oa .
ENTRYPOINT ["dotnet", "oa.dll"]
