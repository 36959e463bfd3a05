using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace OrleansAssets.Dashboard;

/// <summary>One built file of the dashboard, with the Brotli and gzip copies the build made of it.</summary>
internal sealed record DashboardFile(string Path, string ContentType, byte[] Content, byte[]? Brotli, byte[]? Gzip, string ETag);

/// <summary>The dashboard's built files, read once from this assembly's resources (<c>dashboard/PATH</c>).</summary>
internal sealed class DashboardFiles
{
    public const string Immutable = "public, max-age=31536000, immutable";
    public const string Revalidate = "no-cache";
    private const string ResourcePrefix = "dashboard/";

    // The pages load only their own scripts and styles; inline styles are how React Flow and uPlot position things.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'self'";

    private static readonly Lazy<DashboardFiles> Loaded = new(() => new DashboardFiles(typeof(DashboardFiles).Assembly));
    private readonly FrozenDictionary<string, DashboardFile> _files;

    private DashboardFiles(Assembly assembly)
    {
        var types = new FileExtensionContentTypeProvider();
        var raw = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            .ToDictionary(n => n[ResourcePrefix.Length..].Replace('\\', '/'), n => Read(assembly, n), StringComparer.Ordinal);
        var files = new Dictionary<string, DashboardFile>(StringComparer.Ordinal);
        foreach (var (path, content) in raw)
        {
            if (path.EndsWith(".br", StringComparison.Ordinal) || path.EndsWith(".gz", StringComparison.Ordinal))
            {
                continue;
            }

            var type = types.TryGetContentType(path, out var known) ? known : "application/octet-stream";
            if (type.StartsWith("text/", StringComparison.Ordinal) || type is "application/javascript" or "application/json" or "image/svg+xml")
            {
                type += "; charset=utf-8";
            }

            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 12)) + "\"";
            files[path] = new DashboardFile(path, type, content, raw.GetValueOrDefault(path + ".br"), raw.GetValueOrDefault(path + ".gz"), etag);
        }

        _files = files.ToFrozenDictionary(StringComparer.Ordinal);
        Index = _files.GetValueOrDefault("index.html")
            ?? throw new InvalidOperationException("OrleansAssets.Dashboard was built without its web UI (no dashboard/index.html resource); build it with npm installed.");
        TopLevel = [.. _files.Values.Where(f => !f.Path.Contains('/', StringComparison.Ordinal) && f.Path != "index.html").OrderBy(f => f.Path, StringComparer.Ordinal)];
    }

    public static DashboardFiles Instance => Loaded.Value;

    public DashboardFile Index { get; }

    /// <summary>Built files outside /static (favicon and the like), served at their own path.</summary>
    public IReadOnlyList<DashboardFile> TopLevel { get; }

    public bool TryGet(string path, out DashboardFile file) => _files.TryGetValue(path, out file!);

    public static Task NotFoundAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        context.Response.Headers.CacheControl = Revalidate;
        return Task.CompletedTask;
    }

    public static Task WriteAsync(HttpContext context, DashboardFile file, string cacheControl)
    {
        var response = context.Response;
        var headers = response.Headers;
        var (body, encoding) = Choose(context.Request, file);

        // Each encoding is its own representation, with its own validator.
        var etag = encoding is null ? file.ETag : file.ETag.Insert(file.ETag.Length - 1, "-" + encoding);
        headers.CacheControl = cacheControl;
        headers.ETag = etag;
        headers.XContentTypeOptions = "nosniff";
        headers.Vary = HeaderNames.AcceptEncoding;
        if (file.Path == "index.html")
        {
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers["Referrer-Policy"] = "same-origin";
        }

        if (context.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(t => t.Trim() == etag || t.Trim() == "*")))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.ContentType = file.ContentType;
        response.ContentLength = body.Length;
        if (encoding is not null)
        {
            headers.ContentEncoding = encoding;
        }

        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    /// <summary>The smallest copy the client accepts: Brotli, then gzip, then the file itself.</summary>
    private static (byte[] Body, string? Encoding) Choose(HttpRequest request, DashboardFile file)
    {
        if (file.Brotli is null && file.Gzip is null)
        {
            return (file.Content, null);
        }

        var accepted = request.GetTypedHeaders().AcceptEncoding;
        bool Accepts(string coding) => accepted.Any(a => a.Value.Equals(coding, StringComparison.OrdinalIgnoreCase) && (a.Quality ?? 1) > 0);
        if (file.Brotli is not null && Accepts("br"))
        {
            return (file.Brotli, "br");
        }

        return file.Gzip is not null && Accepts("gzip") ? (file.Gzip, "gzip") : (file.Content, null);
    }

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
