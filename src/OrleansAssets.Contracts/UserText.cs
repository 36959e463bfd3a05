using System.Globalization;
using System.Text;

namespace OrleansAssets;

/// <summary>
/// User input as it may appear inside a message: escaped, and shortened when long. A 10,000-character selection
/// would otherwise be echoed whole (often twice), and an escape sequence in it would reach the terminal raw.
/// Lives beside the messages' types so the runtime, the SDK and the CLI say it the same way.
/// </summary>
public static class UserText
{
    /// <summary>How much of a long input a message keeps: enough to recognise it, short enough for one line.</summary>
    public const int DefaultMaxLength = 60;

    /// <summary>The text in single quotes, escaped and shortened: <c>'raw_sales_data'</c>, <c>'aaaa… (10000 characters)'</c>.</summary>
    /// <summary>A wait as people read it: <c>250 ms</c>, <c>2.0 s</c>, <c>1.5 min</c>.</summary>
    public static string Duration(TimeSpan duration) => duration.TotalSeconds switch
    {
        < 1 => $"{duration.TotalMilliseconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)} ms",
        < 90 => $"{duration.TotalSeconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)} s",
        _ => $"{duration.TotalMinutes.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)} min",
    };

    public static string Quote(string? text, int maxLength = DefaultMaxLength) => $"'{Shorten(text, maxLength)}'";

    /// <summary>
    /// The text escaped, or when longer than <paramref name="maxLength"/> its first characters escaped, then
    /// <c>… (N characters)</c>.
    /// </summary>
    public static string Shorten(string? text, int maxLength = DefaultMaxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        text ??= "";
        if (text.Length <= maxLength)
        {
            return Escape(text);
        }

        // Never cut a surrogate pair in half: the kept part must still be valid text.
        var keep = char.IsHighSurrogate(text[maxLength - 1]) ? maxLength - 1 : maxLength;
        return $"{Escape(text[..keep])}… ({text.Length.ToString(CultureInfo.InvariantCulture)} characters)";
    }

    /// <summary>
    /// Control characters (C0, DEL, C1) and the invisible characters that reorder text (bidirectional controls)
    /// written as <c>\u001b</c>, so they show instead of acting on the terminal. Everything else is kept.
    /// </summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        if (!text.AsSpan().ContainsAny(Unsafe))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (IsUnsafe(c))
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static readonly System.Buffers.SearchValues<char> Unsafe = System.Buffers.SearchValues.Create(
        Enumerable.Range(0, 0x10000).Select(i => (char)i).Where(IsUnsafe).ToArray());

    private static bool IsUnsafe(char c) =>
        char.IsControl(c)
        || c is '\u200e' or '\u200f' or '\u061c'
        || c is >= '\u202a' and <= '\u202e'
        || c is >= '\u2066' and <= '\u2069';
}
