using NativeNet.Data;

namespace NativeNet.Tests.Data;

/// <summary>CsvLoader's bounds for untrusted files: record length, categorical levels, numeric-only columns, the float range.</summary>
public class CsvLimitTests
{
    private static InvalidDataException Fails(string csv, CsvLoadOptions options) =>
        Assert.Throws<InvalidDataException>(() => CsvLoader.Load(new StringReader(csv), "t.csv", options));

    [Fact]
    public void A_record_longer_than_the_limit_names_its_row()
    {
        string csv = "a,b\n1,2\n" + new string('7', 50) + ",3\n";
        var e = Fails(csv, new CsvLoadOptions { MaxRecordChars = 40 });
        Assert.Contains("t.csv: row 3 is longer than 40 characters", e.Message);
        Assert.Equal(2, CsvLoader.Load(new StringReader(csv), "t.csv", new CsvLoadOptions { MaxRecordChars = 52 }).Dataset.Count);
    }

    [Fact]
    public void Categorical_levels_are_bounded_and_unbounded_by_default()
    {
        string csv = "name,y\nA,1\nB,0\nC,1\n";
        var e = Fails(csv, new CsvLoadOptions { TargetColumn = "y", MaxCategoricalLevels = 2 });
        Assert.Contains("column 'name' holds text with more than 2 distinct values", e.Message);
        Assert.Equal(3, CsvLoader.Load(new StringReader(csv), "t.csv", new CsvLoadOptions { TargetColumn = "y" }).Dataset.SampleSize);
    }

    [Fact]
    public void Numeric_only_turns_text_into_an_error_instead_of_levels()
    {
        var e = Fails("a,b\nx,1\n2,3\n", new CsvLoadOptions { NumericFeaturesOnly = true });
        Assert.Contains("row 2, column 'a': 'x' is not a number", e.Message);
    }

    [Theory]
    [InlineData("1e39")]
    [InlineData("-3.5e38")]
    public void Values_a_float_cannot_hold_are_refused(string value)
    {
        var e = Fails($"a,y\n1,0\n{value},1\n", new CsvLoadOptions { TargetColumn = "y" });
        Assert.Contains($"row 3, column 'a': '{value}' is outside the float range", e.Message);
        e = Fails($"a,y\n1,0\n2,{value}\n", new CsvLoadOptions { TargetColumn = "y" });
        Assert.Contains("column 'y'", e.Message);
        Assert.Equal(3.4e38f, CsvLoader.Load(new StringReader("a\n3.4e38\n"), "t.csv").Dataset.Features[0]);
    }
}
