using Microsoft.AspNetCore.Http;

namespace Mesh.KvCache;

/// <summary>The data plane's error answers: a status and a <see cref="KvError"/> body.</summary>
internal static class KvErrors
{
    public const string InvalidFingerprint = "invalid_fingerprint";
    public const string InvalidHash = "invalid_hash";
    public const string InvalidRequest = "invalid_request";
    public const string ChecksumRequired = "checksum_required";
    public const string ChecksumMismatch = "checksum_mismatch";
    public const string LengthRequired = "length_required";
    public const string BlockTooLarge = "block_too_large";
    public const string NotFound = "not_found";
    public const string BadBody = "bad_body";
    public const string Capacity = "capacity";
    public const string TierUnavailable = "tier_unavailable";

    public static IResult Result(int status, string code, string message) =>
        TypedResults.Json(new KvError(code, message), KvCacheJsonContext.Default.KvError, statusCode: status);

    /// <summary>The answer for an exception a handler let out, or null for exceptions that are bugs (500).</summary>
    public static IResult? For(Exception exception) => exception switch
    {
        KvChecksumException e => Result(StatusCodes.Status422UnprocessableEntity, ChecksumMismatch, e.Message),
        KvBlockTooLargeException e => Result(StatusCodes.Status413PayloadTooLarge, BlockTooLarge, e.Message),
        KvCapacityException e => Result(StatusCodes.Status507InsufficientStorage, Capacity, e.Message),
        KvTierUnavailableException e => Result(StatusCodes.Status503ServiceUnavailable, TierUnavailable, e.Message),
        InvalidDataException e => Result(StatusCodes.Status400BadRequest, BadBody, e.Message),
        EndOfStreamException e => Result(StatusCodes.Status400BadRequest, BadBody, e.Message),
        ArgumentException e => Result(StatusCodes.Status400BadRequest, InvalidRequest, e.Message),
        _ => null,
    };
}
