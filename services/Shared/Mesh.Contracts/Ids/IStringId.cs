namespace Mesh.Contracts;

/// <summary>
/// A typed id that travels as a plain JSON string. The static factory lets one generic
/// converter (<see cref="StringIdJsonConverter{TId}"/>) serve every id type.
/// </summary>
public interface IStringId<TSelf> where TSelf : struct, IStringId<TSelf>
{
    /// <summary>The id as it appears on the wire.</summary>
    string Value { get; }

    /// <summary>Wraps a wire string.</summary>
    static abstract TSelf From(string value);
}
