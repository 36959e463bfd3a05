using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansAssets.Assets;
using OrleansAssets.Automation;
using OrleansAssets.Client.Views;
using OrleansAssets.Cluster;
using OrleansAssets.Queries;
using OrleansAssets.Runs;

namespace OrleansAssets.Client.Http;

/// <summary>Where a gateway is and how to get in.</summary>
public sealed class OrleansAssetsHttpClientOptions
{
    /// <summary>The gateway's URL, for example <c>http://localhost:3000</c> (a path base, such as a proxy's <c>/oa</c>, is kept).</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>The gateway's token (<c>OrleansAssets:Auth:Token</c> on its side), sent as <c>Authorization: Bearer</c>; none when null.</summary>
    public string? Token { get; set; }

    /// <summary>How long a TCP connection may take, when the client makes its own <see cref="HttpClient"/>.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long one request may take, when the client makes its own <see cref="HttpClient"/>: longer than the
    /// 30 s a gateway waits for the cluster before it answers 503.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(45);
}

/// <summary>
/// <see cref="IOrleansAssetsClient"/> over a gateway's REST API (<c>/api/v1</c>): the same operations, contracts
/// and errors as <see cref="OrleansAssetsClient"/>, so a program (and <c>oa --url</c>) uses either the same way.
/// Problem details come back as the SDK's exceptions: a bad selection as <see cref="AssetSelectionException"/>,
/// 404 as <see cref="NotFoundException"/>, 503 as <see cref="StorageUnavailableException"/> or
/// <see cref="ClusterUnavailableException"/>, 401 as <see cref="GatewayAuthenticationException"/>; no answer at
/// all as <see cref="GatewayUnreachableException"/>. Waiting for a run rides out a gateway restart as it rides out
/// any outage.
/// </summary>
/// <remarks>
/// Use it over an <see cref="HttpClient"/> from <c>IHttpClientFactory</c> (its base address, or
/// <see cref="OrleansAssetsHttpClientOptions.BaseAddress"/>, names the gateway), or let it make its own from
/// options. It is safe to use from several threads at once.
/// </remarks>
public sealed class OrleansAssetsHttpClient : IOrleansAssetsClient, IDisposable
{
    private const int MaxPage = 1000;
    private const int MaxEventsPerRead = 10_000;

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly string? _token;

    /// <summary>Over an <see cref="HttpClient"/> someone else owns (for example a typed client of <c>IHttpClientFactory</c>).</summary>
    /// <param name="http">Its <see cref="HttpClient.BaseAddress"/> is the gateway's URL unless the options give one.</param>
    /// <exception cref="ArgumentException">No URL, a URL that is not http(s), or a token no HTTP header can carry.</exception>
    [ActivatorUtilitiesConstructor]
    public OrleansAssetsHttpClient(HttpClient http, OrleansAssetsHttpClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
        BaseAddress = CheckUrl(options?.BaseAddress ?? http.BaseAddress ?? throw new ArgumentException("Name the gateway: set OrleansAssetsHttpClientOptions.BaseAddress or the HttpClient's BaseAddress (for example http://localhost:3000).", nameof(http)));
        _token = CheckToken(options?.Token);
    }

    /// <summary>With an <see cref="HttpClient"/> of its own, disposed with it.</summary>
    /// <exception cref="ArgumentException">No URL, a URL that is not http(s), or a token no HTTP header can carry.</exception>
    public OrleansAssetsHttpClient(OrleansAssetsHttpClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        BaseAddress = CheckUrl(options.BaseAddress ?? throw new ArgumentException("Name the gateway: set BaseAddress (for example http://localhost:3000).", nameof(options)));
        _token = CheckToken(options.Token);
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = options.ConnectTimeout, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = options.RequestTimeout,
        };
        _ownsHttp = true;
    }

    /// <summary>With an <see cref="HttpClient"/> of its own, for the gateway at <paramref name="baseAddress"/>.</summary>
    public OrleansAssetsHttpClient(Uri baseAddress, string? token = null)
        : this(new OrleansAssetsHttpClientOptions { BaseAddress = baseAddress, Token = token })
    {
    }

    /// <summary>The gateway's URL, ending in '/'.</summary>
    public Uri BaseAddress { get; }

    public async Task<List<AssetSummary>> ListAssetsAsync(CancellationToken cancellationToken = default)
    {
        var assets = new List<AssetSummary>();
        string? cursor = null;
        do
        {
            var page = await GetAsync<Page<AssetSummary>>(Query("api/v1/assets", ("limit", Number(MaxPage)), ("cursor", cursor)), cancellationToken);
            assets.AddRange(page.Items);
            cursor = page.Next;
        }
        while (cursor is not null);

        return assets;
    }

    /// <inheritdoc/>
    public async Task<AssetPage> FindAssetsAsync(AssetQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var page = await GetAsync<Page<AssetSummary>>(
            Query(
                "api/v1/assets",
                ("select", query.Selection),
                ("unknownKeys", query.Selection is null ? null : query.SkipUnknownKeys ? "skip" : "error"),
                ("group", query.Group),
                ("codeLocation", query.CodeLocation),
                ("status", query.Status is { } status ? Word(status) : null),
                ("limit", Number(Math.Clamp(query.Limit, 1, MaxPage))),
                ("cursor", query.Offset > 0 ? ApiCursors.Offset(query.Offset) : null)),
            cancellationToken,
            withSelection: query.Selection is not null);
        return new AssetPage { Items = [.. page.Items], NextOffset = ApiCursors.OffsetOf(page.Next), Warnings = page.Warnings ?? [] };
    }

    /// <inheritdoc/>
    public Task<Lineage> GetLineageAsync(string? selection = null, CancellationToken cancellationToken = default) =>
        GetAsync<Lineage>(Query("api/v1/lineage", ("select", selection)), cancellationToken, withSelection: selection is not null);

    /// <inheritdoc/>
    public async Task<AssetDetails> GetAssetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length == 0)
        {
            // "assets/" with no key is the list, not an asset.
            throw new NotFoundException("Unknown asset key ''.");
        }

        // Each part of a multi-part key escaped on its own: the route takes '/' as it is.
        var path = "api/v1/assets/" + string.Join('/', key.Split('/').Select(Uri.EscapeDataString));
        return ToDetails(await GetAsync<AssetView>(path, cancellationToken));
    }

    /// <inheritdoc/>
    public async Task<List<MaterializationRecord>> ListMaterializationsAsync(string key, DateTimeOffset? before = null, int limit = 50, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var page = await GetAsync<Page<MaterializationRecord>>(
            Query("api/v1/materializations", ("asset", key), ("limit", Number(Math.Clamp(limit, 1, MaxPage))), ("cursor", before is { } time ? ApiCursors.Before(time) : null)),
            cancellationToken);
        return [.. page.Items];
    }

    /// <inheritdoc/>
    /// <remarks>The id is made here when not given, so a caller that retries with it reports once.</remarks>
    public Task<MaterializationRecord> ReportMaterializationAsync(string assetKey, IReadOnlyDictionary<string, MetadataValue>? metadata = null, string? dataVersion = null, Guid? reportId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(assetKey);
        var report = new Dictionary<string, object?>
        {
            ["asset"] = assetKey,
            ["metadata"] = metadata ?? new Dictionary<string, MetadataValue>(),
            ["dataVersion"] = dataVersion,
            ["reportId"] = reportId ?? Guid.NewGuid(),
        };
        return SendAsync<MaterializationRecord>(HttpMethod.Post, "api/v1/materializations", JsonContent.Create(report, options: OrleansAssetsJson.Options), cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<RunRecord> MaterializeAsync(string selection, IReadOnlyDictionary<string, string>? tags = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(selection);
        var submission = new Dictionary<string, object> { ["selection"] = selection };
        if (tags is not null)
        {
            submission["tags"] = tags;
        }

        var view = await SendAsync<RunView>(HttpMethod.Post, "api/v1/runs", JsonContent.Create(submission, options: OrleansAssetsJson.Options), cancellationToken, withSelection: true);
        return ToRecord(view);
    }

    /// <inheritdoc/>
    public async Task<RunDetails> GetRunAsync(Guid runId, long afterSequence = 0, int maxEvents = 10_000, CancellationToken cancellationToken = default)
    {
        var view = await GetAsync<RunView>(Query($"api/v1/runs/{runId}", ("after", afterSequence > 0 ? Number(afterSequence) : null)), cancellationToken);

        // The gateway sends up to 10,000 events after the cursor (a gateway without 'after' sends them from the
        // start): keep those after it, at most as many as asked for.
        var events = view.Events.Where(e => e.Sequence > afterSequence).OrderBy(e => e.Sequence).Take(Math.Clamp(maxEvents, 0, MaxEventsPerRead)).ToList();
        return new RunDetails
        {
            Run = ToRecord(view),
            Steps = [.. view.Steps],
            Events = events,
            NextCursor = events.Count > 0 ? events[^1].Sequence : afterSequence,
            QueuePosition = view.QueuePosition,
        };
    }

    /// <inheritdoc/>
    public async Task<List<RunRecord>> ListRunsAsync(RunQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new RunQuery();
        var parameters = new List<(string, string?)>
        {
            ("status", query.Statuses.Count > 0 ? string.Join(',', query.Statuses.Select(Word)) : null),
            ("asset", query.AssetKey),
            ("limit", Number(Math.Clamp(query.Limit, 1, MaxPage))),
            ("cursor", query.CreatedBefore is { } before ? ApiCursors.Run(before, query.Before) : null),
        };
        parameters.AddRange(query.Tags.Select(t => ("tag", (string?)$"{t.Key}={t.Value}")));
        var page = await GetAsync<Page<RunRecord>>(Query("api/v1/runs", [.. parameters]), cancellationToken);
        return [.. page.Items];
    }

    /// <inheritdoc/>
    public Task<List<SiloInfo>> ListSilosAsync(CancellationToken cancellationToken = default) => AllPagesAsync<SiloInfo>("api/v1/silos", cancellationToken);

    public Task<List<CodeLocationInfo>> ListCodeLocationsAsync(CancellationToken cancellationToken = default) => AllPagesAsync<CodeLocationInfo>("api/v1/code-locations", cancellationToken);

    /// <inheritdoc/>
    public Task<List<JobInfo>> ListJobsAsync(CancellationToken cancellationToken = default) => AllPagesAsync<JobInfo>("api/v1/jobs", cancellationToken);

    /// <inheritdoc/>
    public Task<JobInfo> GetJobAsync(string name, CancellationToken cancellationToken = default) =>
        GetAsync<JobInfo>($"api/v1/jobs/{Segment(name, "job")}", cancellationToken);

    /// <inheritdoc/>
    public async Task<RunRecord> LaunchJobAsync(string name, string? config = null, IReadOnlyDictionary<string, string>? tags = null, CancellationToken cancellationToken = default)
    {
        var launch = new Dictionary<string, object>();
        if (tags is not null)
        {
            launch["tags"] = tags;
        }

        if (config is not null)
        {
            // The API takes the config as an object; text that is not JSON goes as a string, so the cluster refuses
            // it in the very words it uses over Orleans.
            launch["config"] = ParsesAsJson(config) ? JsonDocument.Parse(config).RootElement.Clone() : config;
        }

        var view = await SendAsync<RunView>(HttpMethod.Post, $"api/v1/jobs/{Segment(name, "job")}/runs", JsonContent.Create(launch, options: OrleansAssetsJson.Options), cancellationToken, withSelection: true);
        return ToRecord(view);
    }

    /// <inheritdoc/>
    public Task<List<AutomationInfo>> ListSchedulesAsync(CancellationToken cancellationToken = default) => AllPagesAsync<AutomationInfo>("api/v1/schedules", cancellationToken);

    /// <inheritdoc/>
    public Task<List<AutomationInfo>> ListSensorsAsync(CancellationToken cancellationToken = default) => AllPagesAsync<AutomationInfo>("api/v1/sensors", cancellationToken);

    /// <inheritdoc/>
    public Task<AutomationInfo> GetAutomationAsync(AutomationKind kind, string name, CancellationToken cancellationToken = default) =>
        GetAsync<AutomationInfo>(AutomationPath(kind, name), cancellationToken);

    /// <inheritdoc/>
    /// <remarks>The gateway records its caller as who asked; <paramref name="by"/> is not sent.</remarks>
    public Task<AutomationInfo> SetAutomationStatusAsync(AutomationKind kind, string name, AutomationStatus status, string? by = null, CancellationToken cancellationToken = default) =>
        SendAsync<AutomationInfo>(HttpMethod.Post, $"{AutomationPath(kind, name)}/{(status == AutomationStatus.Running ? "start" : "stop")}", null, cancellationToken);

    /// <inheritdoc/>
    public async Task<List<TickRecord>> ListTicksAsync(AutomationKind kind, string name, DateTimeOffset? before = null, int limit = 50, CancellationToken cancellationToken = default)
    {
        var page = await GetAsync<Page<TickRecord>>(
            Query($"{AutomationPath(kind, name)}/ticks", ("limit", Number(Math.Clamp(limit, 1, MaxPage))), ("cursor", before is { } time ? ApiCursors.Before(time) : null)),
            cancellationToken);
        return [.. page.Items];
    }

    /// <inheritdoc/>
    public async Task<List<DateTimeOffset>> PreviewScheduleAsync(string name, DateTimeOffset? from = null, int count = 5, CancellationToken cancellationToken = default)
    {
        OrleansAssetsClient.CheckCount(count);
        var preview = await GetAsync<TickPreview>(Query($"{AutomationPath(AutomationKind.Schedule, name)}/preview", ("from", Instant(from)), ("count", Number(count))), cancellationToken);
        return Ticks(preview);
    }

    /// <inheritdoc/>
    public async Task<List<DateTimeOffset>> PreviewCronAsync(string cron, string? timeZone = null, DateTimeOffset? from = null, int count = 5, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cron);
        OrleansAssetsClient.CheckCount(count);
        var preview = await GetAsync<TickPreview>(Query("api/v1/cron/preview", ("cron", cron), ("timezone", timeZone), ("from", Instant(from)), ("count", Number(count))), cancellationToken);
        return Ticks(preview);
    }

    /// <inheritdoc/>
    public Task<QueueSnapshot> GetQueueAsync(CancellationToken cancellationToken = default) => GetAsync<QueueSnapshot>("api/v1/queue", cancellationToken);

    /// <inheritdoc/>
    /// <remarks>The gateway records its caller as who asked; <paramref name="by"/> is not sent.</remarks>
    public async Task<RunRecord> CancelRunAsync(Guid runId, string? reason = null, string? by = null, CancellationToken cancellationToken = default)
    {
        var body = reason is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["reason"] = reason };
        var view = await SendAsync<RunView>(HttpMethod.Post, $"api/v1/runs/{runId}/cancel", JsonContent.Create(body, options: OrleansAssetsJson.Options), cancellationToken);
        return ToRecord(view);
    }

    /// <inheritdoc/>
    public async Task<RunRecord> ReexecuteRunAsync(Guid runId, bool fromFailure = false, IReadOnlyDictionary<string, string>? tags = null, CancellationToken cancellationToken = default)
    {
        var body = new Dictionary<string, object> { ["fromFailure"] = fromFailure };
        if (tags is not null)
        {
            body["tags"] = tags;
        }

        var view = await SendAsync<RunView>(HttpMethod.Post, $"api/v1/runs/{runId}/reexecute", JsonContent.Create(body, options: OrleansAssetsJson.Options), cancellationToken, withSelection: true);
        return ToRecord(view);
    }

    private static string AutomationPath(AutomationKind kind, string name) =>
        $"api/v1/{(kind == AutomationKind.Schedule ? "schedules" : "sensors")}/{Segment(name, kind == AutomationKind.Schedule ? "schedule" : "sensor")}";

    /// <summary>A name as one path segment; an empty one would name the list, not an item.</summary>
    private static string Segment(string name, string what)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Length == 0 ? throw new NotFoundException($"Unknown {what} ''.") : Uri.EscapeDataString(name);
    }

    private static string? Instant(DateTimeOffset? time) => time?.ToString("O", CultureInfo.InvariantCulture);

    private static List<DateTimeOffset> Ticks(TickPreview preview) => preview.Ticks;

    private static bool ParsesAsJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public Task<RunDetails> WaitForRunAsync(Guid runId, IProgress<RunEvent>? progress, RunWatchOptions options, CancellationToken cancellationToken = default) =>
        RunWatcher.WaitAsync(WatchRunAsync(runId, options, cancellationToken), progress);

    /// <inheritdoc/>
    public IAsyncEnumerable<RunDetails> WatchRunAsync(Guid runId, RunWatchOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return RunWatcher.WatchAsync((cursor, pageSize, token) => GetRunAsync(runId, cursor, pageSize, token), runId, options, cancellationToken);
    }

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private async Task<List<T>> AllPagesAsync<T>(string path, CancellationToken cancellationToken)
    {
        var items = new List<T>();
        string? cursor = null;
        do
        {
            var page = await GetAsync<Page<T>>(Query(path, ("limit", Number(MaxPage)), ("cursor", cursor)), cancellationToken);
            items.AddRange(page.Items);
            cursor = page.Next;
        }
        while (cursor is not null);

        return items;
    }

    private Task<T> GetAsync<T>(string path, CancellationToken cancellationToken, bool withSelection = false) =>
        SendAsync<T>(HttpMethod.Get, path, null, cancellationToken, withSelection);

    /// <summary>One request: its answer as <typeparamref name="T"/>, or the SDK's exception for what went wrong.</summary>
    /// <param name="withSelection">The request carries a selection: a 400 about it is an <see cref="AssetSelectionException"/>.</param>
    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken, bool withSelection = false)
    {
        using var request = new HttpRequestMessage(method, new Uri(BaseAddress, path)) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/problem+json"));
        if (_token is not null)
        {
            // Checked when the client was made: it holds only what a header carries, so nothing here echoes it.
            request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {_token}");
        }

        var what = $"{method} {request.RequestUri!.AbsolutePath}";
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw await ProblemAsync(response, what, withSelection, cancellationToken);
            }

            if (!IsJson(response.Content.Headers.ContentType))
            {
                throw NotAGateway(what, response);
            }

            try
            {
                return await response.Content.ReadFromJsonAsync<T>(OrleansAssetsJson.Options, cancellationToken)
                    ?? throw new GatewayUnreachableException(BaseAddress, $"{what} answered null, as no OrleansAssets gateway does; is the URL right?", mayHaveArrived: true);
            }
            catch (JsonException e)
            {
                throw new GatewayUnreachableException(BaseAddress, $"{what} answered JSON that is not the API's ({UserText.Shorten(e.Message, 200)}); is the URL an OrleansAssets gateway of this version?", mayHaveArrived: true, e);
            }
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(e);
        }
        catch (IOException e)
        {
            // The connection broke while the answer was read.
            throw new GatewayUnreachableException(BaseAddress, $"the connection broke ({UserText.Shorten(e.Message, 200)})", mayHaveArrived: true, e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient's own timeout, or the connect timeout of its handler.
            var connecting = e.InnerException is TimeoutException timeout && timeout.Message.Contains("ConnectTimeout", StringComparison.Ordinal);
            throw new GatewayUnreachableException(
                BaseAddress,
                connecting ? "no connection could be made in time (nothing answers there)" : $"no answer within {_http.Timeout.TotalSeconds:0} s",
                mayHaveArrived: !connecting,
                e);
        }
    }

    /// <summary>The SDK's exception for a gateway's answer that is not a success.</summary>
    private async Task<Exception> ProblemAsync(HttpResponseMessage response, string what, bool withSelection, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var problem = await ReadProblemAsync(response, cancellationToken);
        var detail = problem?.Detail is { Length: > 0 } given ? given : null;
        switch (status)
        {
            case 401:
                return new GatewayAuthenticationException(BaseAddress, tokenSent: _token is not null);
            case 404 when detail is not null:
                return new NotFoundException(detail);
            case 400 when detail is not null && withSelection && IsSelectionProblem(detail):
                return new AssetSelectionException(detail);
            case 400 when detail is not null && problem?.Title == ProblemTitles.RunConfig:
                return new RunConfigException(detail);
            case 400 when detail is not null && problem?.Title == ProblemTitles.NotExternal:
                return new NotExternalAssetException(detail);
            case 400 when detail is not null && problem?.Title == ProblemTitles.Schedule:
                return new ScheduleException(detail);
            case 409 when detail is not null && problem?.Title == ProblemTitles.RunEnded:
                return new RunEndedException(detail);
            case 503 when problem?.Title == "Storage unavailable" && detail is not null:
                return new StorageUnavailableException(Unwrapped(detail, "the cluster's storage is unavailable"));
            case 503 when detail is not null:
                return new ClusterUnavailableException($"The gateway at {GatewayUnreachableException.Describe(BaseAddress)} answered, but not the cluster behind it: {detail}.");
            case 502 or 503 or 504:
                return new GatewayUnreachableException(BaseAddress, $"{what} answered {status} {response.ReasonPhrase} (a proxy in front of it, or it is starting or stopping)", mayHaveArrived: true);
            case >= 400 and < 500 when detail is not null:
                return new GatewayRequestException(status, detail);
            case >= 500 when problem is not null:
                return new GatewayFailedException(status, $"The gateway at {GatewayUnreachableException.Describe(BaseAddress)} failed ({status} {problem.Title ?? response.ReasonPhrase}): {detail ?? "no detail"}");
            default:
                // Not a problem detail of ours: a route we do not know (another server, or another version) or a proxy's page.
                return NotAGateway(what, response);
        }
    }

    private GatewayUnreachableException NotAGateway(string what, HttpResponseMessage response) => new(
        BaseAddress,
        $"{what} answered {(int)response.StatusCode} {response.ReasonPhrase}{(response.Content.Headers.ContentType?.MediaType is { } type ? $" ({type})" : "")}, as no OrleansAssets gateway does; is the URL right?",
        mayHaveArrived: true);

    private static async Task<Problem?> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!IsJson(response.Content.Headers.ContentType))
        {
            return null;
        }

        try
        {
            return await response.Content.ReadFromJsonAsync<Problem>(OrleansAssetsJson.Options, cancellationToken);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool IsJson(MediaTypeHeaderValue? type) =>
        type?.MediaType is { } media && (media.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    /// <summary>The selection's own messages (<see cref="AssetSelectionException"/>), as opposed to a bad limit or cursor.</summary>
    private static bool IsSelectionProblem(string detail) =>
        detail.StartsWith("Bad selection", StringComparison.Ordinal) || detail.StartsWith("The selection", StringComparison.Ordinal);

    /// <summary>"the cluster's storage is unavailable (X)" → "X", so the SDK's own words are not said twice.</summary>
    private static string Unwrapped(string detail, string prefix) =>
        detail.StartsWith(prefix + " (", StringComparison.Ordinal) && detail.EndsWith(')') ? detail[(prefix.Length + 2)..^1] : detail;

    private GatewayUnreachableException Unreachable(HttpRequestException e)
    {
        var socket = Inner<SocketException>(e);
        var (reason, mayHaveArrived) = (e.HttpRequestError, socket?.SocketErrorCode) switch
        {
            (_, SocketError.ConnectionRefused) => ("connection refused (nothing listens there)", false),
            (HttpRequestError.NameResolutionError, _) or (_, SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData) => ($"the host name '{UserText.Shorten(BaseAddress.Host, 100)}' does not resolve", false),
            (_, SocketError.TimedOut) => ("no connection could be made in time (nothing answers there)", false),
            (_, SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostDown) => ($"the host is unreachable ({Innermost(e)})", false),
            (HttpRequestError.SecureConnectionError, _) => ($"TLS failed ({Innermost(e)})", false),
            (HttpRequestError.ResponseEnded or HttpRequestError.InvalidResponse, _) => ("what listens there does not answer HTTP (an Orleans gateway port? the HTTP gateway is the dashboard's port, 3000 by default)", true),
            (HttpRequestError.ConnectionError, _) => ($"the connection failed ({Innermost(e)})", true),
            _ => (Innermost(e), true),
        };
        return new GatewayUnreachableException(BaseAddress, reason, mayHaveArrived, e);
    }

    private static T? Inner<T>(Exception e) where T : Exception
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static string Innermost(Exception e)
    {
        while (e.InnerException is { } inner)
        {
            e = inner;
        }

        return UserText.Shorten(e.Message.TrimEnd('.'), 200);
    }

    internal static RunRecord ToRecord(RunView view) => new()
    {
        RunId = view.RunId,
        Status = view.Status,
        Selection = view.Selection,
        AssetKeys = [.. view.AssetKeys],
        Tags = new Dictionary<string, string>(view.Tags),
        CreatedAt = view.CreatedAt,
        StartedAt = view.StartedAt,
        EndedAt = view.EndedAt,
        Error = view.Error,
        Priority = view.Priority,
        CancelRequestedBy = view.CancelRequestedBy,
        Job = view.Job,
        Ops = [.. view.Ops ?? []],
        Config = view.Config,
        RunKey = view.RunKey,
    };

    /// <summary>An asset's document back into the SDK's contract: the view carries all of it (the latest is the head of the history).</summary>
    internal static AssetDetails ToDetails(AssetView view) => new()
    {
        Spec = new AssetSpec
        {
            Key = view.Key,
            Description = view.Description,
            Group = view.Group,
            Tags = new Dictionary<string, string>(view.Tags),
            Owners = [.. view.Owners],
            Dependencies = [.. view.Dependencies],
            Inputs = [.. view.Inputs],
            CodeLocation = view.CodeLocation,
            IOManager = view.IOManager,
            Kind = view.Kind ?? StepKind.Asset,
            Config = [.. view.Config ?? []],
            Kinds = [.. view.Kinds ?? []],
            CodeVersion = view.CodeVersion,
            IsExternal = view.External ?? false,
            MultiAsset = view.MultiAsset,
            Subsettable = view.Subsettable ?? false,
            Retry = view.Retry,
            MaxRunTimeMs = view.MaxRunTimeMs,
        },
        State = new AssetState
        {
            Key = view.Key,
            Status = view.Status,
            Latest = view.LatestMaterialization,
            History = view.LatestMaterialization is { } latest ? [latest, .. view.History] : [.. view.History],
            LastFailure = view.LastFailure,
            StaleBecause = [.. view.StaleBecause],
            MaterializingRun = view.MaterializingRun,
            StaleReasons = [.. view.StaleReasons ?? []],
        },
        Dependents = [.. view.Dependents],
    };

    private static string Query(string path, params (string Name, string? Value)[] parameters)
    {
        var query = new StringBuilder(path);
        var first = true;
        foreach (var (name, value) in parameters)
        {
            if (value is null)
            {
                continue;
            }

            query.Append(first ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
            first = false;
        }

        return query.ToString();
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Word<TEnum>(TEnum value) where TEnum : struct, Enum => JsonNamingPolicy.CamelCase.ConvertName(value.ToString());

    private static Uri CheckUrl(Uri url)
    {
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The gateway's URL must be an absolute http:// or https:// URL (for example http://localhost:3000), not '{UserText.Shorten(url.OriginalString, 100)}'.", nameof(url));
        }

        // Relative paths resolve under the base only when it ends in '/': http://proxy/oa + api/v1 is http://proxy/oa/api/v1.
        var builder = new UriBuilder(url) { Query = "", Fragment = "" };
        if (!builder.Path.EndsWith('/'))
        {
            builder.Path += "/";
        }

        return builder.Uri;
    }

    /// <summary>A token an HTTP header can carry: visible ASCII, spaces only inside. The message never shows it.</summary>
    private static string? CheckToken(string? token)
    {
        if (token is null)
        {
            return null;
        }

        if (token.Length == 0 || token.Any(c => c is < ' ' or > '~') || token[0] == ' ' || token[^1] == ' ')
        {
            throw new ArgumentException("The token cannot be sent in an HTTP header: it is empty, or holds control characters, non-ASCII characters or spaces at its ends (it is not shown here).", nameof(token));
        }

        return token;
    }

    /// <summary>A page of a list, as the API sends it: <c>{"items": [...], "next": cursor}</c>.</summary>
    private sealed record Page<T>(List<T> Items, string? Next, List<string>? Warnings = null);

    /// <summary>The ticks of a preview, as the API writes them: in the zone, with the offset.</summary>
    private sealed record TickPreview(List<DateTimeOffset> Ticks);

    /// <summary>The fields of an RFC 9457 problem detail the client reads.</summary>
    private sealed record Problem(string? Title, int? Status, string? Detail);
}
