using System.Text;
using Mesh.Gateway.Auth;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using static Mesh.Gateway.RequestErrors;

namespace Mesh.Gateway.Batches;

/// <summary>
/// <c>/v1/files</c>: upload (multipart/form-data with <c>purpose=batch</c> and <c>file</c>, streamed to disk up to
/// <see cref="BatchOptions.MaxFileBytes"/>), look up, list, download and delete. A caller sees only its own files.
/// </summary>
internal static class FileEndpoints
{
    /// <summary>Room for the multipart framing and the <c>purpose</c> field beyond the file itself.</summary>
    private const long FormOverhead = 64 << 10;

    /// <summary>Longest <c>purpose</c> value read.</summary>
    private const int MaxPurposeBytes = 256;

    private const string DefaultFileName = "upload.jsonl";

    public static async Task<IResult> UploadAsync(HttpContext http, FileStore files)
    {
        CancellationToken aborted = http.RequestAborted;
        string tenant = CallerTenant.Of(http).Value;
        long limit = files.MaxBytes;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = limit + FormOverhead;
        if (http.Request.ContentLength > limit + FormOverhead) throw BatchApiErrors.FileTooLarge(limit);
        string boundary = Boundary(http.Request.ContentType);

        var reader = new MultipartReader(boundary, http.Request.Body) { BodyLengthLimit = null };
        PendingUpload? upload = null;
        string? purpose = null;
        string filename = DefaultFileName;
        try
        {
            MultipartSection? section;
            while ((section = await reader.ReadNextSectionAsync(aborted)) is not null)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out ContentDispositionHeaderValue? disposition)) continue;
                string? name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
                if (name == "file" && upload is null)
                {
                    filename = FileName(disposition);
                    upload = await files.ReceiveAsync(section.Body, aborted);
                }
                else if (name == "purpose")
                {
                    purpose = await ReadFieldAsync(section.Body, aborted);
                }
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException && !aborted.IsCancellationRequested)
        {
            upload?.Dispose();
            throw BatchApiErrors.BadUpload("The multipart/form-data body could not be read: " + ex.Message);
        }
        catch
        {
            upload?.Dispose();
            throw;
        }

        using (upload)
        {
            if (purpose is null) Missing("purpose");
            if (purpose != FilePurposes.Batch) Invalid("purpose", $"Invalid 'purpose' '{purpose}': Mesh accepts only '{FilePurposes.Batch}'.");
            if (upload is null) Missing("file");
            StoredFile file = await files.CommitAsync(upload, filename, purpose, tenant, aborted);
            return Results.Json(file.File, BatchJson.Context.FileObject);
        }
    }

    public static IResult Get(string fileId, HttpContext http, FileStore files) =>
        Results.Json(Find(fileId, http, files).File, BatchJson.Context.FileObject);

    /// <summary>The content, as uploaded or written (JSONL).</summary>
    public static IResult Content(string fileId, HttpContext http, FileStore files)
    {
        StoredFile file = Find(fileId, http, files);
        FileStream content;
        try
        {
            content = files.OpenContent(file.Id);
        }
        catch (FileNotFoundException)
        {
            throw BatchApiErrors.FileNotFound(fileId);
        }
        return Results.Stream(content, "application/octet-stream", file.File.Filename);
    }

    /// <summary>OpenAI's query: <c>purpose</c>, <c>order</c> (asc/desc by creation, default desc), <c>after</c> (an id), <c>limit</c> (1–10000).</summary>
    public static IResult List(HttpContext http, FileStore files)
    {
        IQueryCollection query = http.Request.Query;
        string? purpose = query["purpose"];
        IEnumerable<StoredFile> mine = files.List(CallerTenant.Of(http).Value);
        if (!string.IsNullOrEmpty(purpose)) mine = mine.Where(f => f.File.Purpose == purpose);
        ListPage<StoredFile> page = ListPage.Of(mine, f => f.Id, query, defaultLimit: 10_000, maxLimit: 10_000, defaultDescending: true);
        FileObject[] data = [.. page.Items.Select(f => f.File)];
        return Results.Json(new FileList("list", data, data.FirstOrDefault()?.Id, data.LastOrDefault()?.Id, page.HasMore), BatchJson.Context.FileList);
    }

    /// <summary>Deletes a file; 409 while it is the input of a batch that has not ended.</summary>
    public static IResult Delete(string fileId, HttpContext http, FileStore files, BatchStore batches)
    {
        StoredFile file = Find(fileId, http, files);
        StoredBatch? reader = batches.All().FirstOrDefault(b => b.Batch.InputFileId == file.Id && !BatchStatus.IsTerminal(b.Status));
        if (reader is not null) throw BatchApiErrors.FileInUse(file.Id, reader.Id);
        if (!files.Delete(file.Id)) throw BatchApiErrors.FileNotFound(fileId);
        return Results.Json(new FileDeleted(file.Id, FileObject.ObjectName, true), BatchJson.Context.FileDeleted);
    }

    private static StoredFile Find(string fileId, HttpContext http, FileStore files) =>
        files.Get(fileId, CallerTenant.Of(http).Value) ?? throw BatchApiErrors.FileNotFound(fileId);

    private static string Boundary(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out MediaTypeHeaderValue? type)
            || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            throw BatchApiErrors.BadUpload("POST /v1/files takes multipart/form-data with the fields 'purpose' and 'file'.");
        string? boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        return string.IsNullOrEmpty(boundary) ? throw BatchApiErrors.BadUpload("The multipart/form-data content type names no boundary.") : boundary;
    }

    private static string FileName(ContentDispositionHeaderValue disposition)
    {
        string? raw = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
        string name = Path.GetFileName(raw ?? "");
        return name.Length == 0 ? DefaultFileName : name.Length > 255 ? name[..255] : name;
    }

    /// <summary>A small text field (at most <see cref="MaxPurposeBytes"/>).</summary>
    private static async Task<string> ReadFieldAsync(Stream body, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[MaxPurposeBytes + 1];
        int length = 0, read;
        while (length < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0) length += read;
        if (length > MaxPurposeBytes) Invalid("purpose", $"'purpose' is longer than {MaxPurposeBytes} bytes.");
        return Encoding.UTF8.GetString(buffer, 0, length).Trim();
    }
}
