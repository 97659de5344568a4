using System.Globalization;
using static Mesh.Gateway.RequestErrors;

namespace Mesh.Gateway.Batches;

/// <summary>One page of a list route, and whether more follow.</summary>
internal sealed record ListPage<T>(List<T> Items, bool HasMore);

/// <summary>
/// OpenAI's cursor paging: items in creation order (or reversed with <c>order=desc</c>), starting after the item
/// whose id is <c>after</c>, at most <c>limit</c> of them. Bad values get 400 naming the query parameter.
/// </summary>
internal static class ListPage
{
    /// <param name="oldestFirst">The items, oldest first.</param>
    public static ListPage<T> Of<T>(
        IEnumerable<T> oldestFirst, Func<T, string> id, IQueryCollection query, int defaultLimit, int maxLimit, bool defaultDescending)
    {
        int limit = defaultLimit;
        string? limitText = query["limit"];
        if (limitText is not null && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > maxLimit))
            Invalid("limit", $"Invalid 'limit' '{limitText}': expected an integer in [1, {maxLimit}].");
        bool descending = query["order"].ToString() switch
        {
            "" => defaultDescending,
            "asc" => false,
            "desc" => true,
            string other => throw InvalidError("order", $"Invalid 'order' '{other}': expected 'asc' or 'desc'."),
        };

        IEnumerable<T> ordered = descending ? oldestFirst.Reverse() : oldestFirst;
        string? after = query["after"];
        if (!string.IsNullOrEmpty(after)) ordered = ordered.SkipWhile(item => id(item) != after).Skip(1);
        List<T> items = [.. ordered.Take(limit + 1)];
        bool more = items.Count > limit;
        if (more) items.RemoveAt(limit);
        return new ListPage<T>(items, more);
    }
}
