# syntax=docker/dockerfile:1
# One build, one image per role: the silo with one code location each (silo-sales, silo-analytics), and oa.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish silo/OrleansAssets.Silo.csproj -c Release -o /out/silo \
 && dotnet publish client/OrleansAssets.Cli.csproj -c Release -o /out/oa \
 # Each code location goes into its own image; the silo image carries none.
 && mv /out/silo/codelocations /out/codelocations

FROM mcr.microsoft.com/dotnet/runtime:10.0 AS silo
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

FROM mcr.microsoft.com/dotnet/runtime:10.0 AS oa
WORKDIR /app
COPY --from=build /out/oa .
ENTRYPOINT ["dotnet", "oa.dll"]
