using NativeNet.Data;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Data;

public class CsvTests
{
    [Fact]
    public void ParserFollowsRfc4180()
    {
        var text = "a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\r\n\r\n2,\"two\nlines\",\n3,,z";
        var recs = CsvParser.Read(new StringReader(text), "t.csv").ToList();
        Assert.Equal(4, recs.Count);
        Assert.Equal(["1", "x, y", "say \"hi\""], recs[1].Fields);
        Assert.Equal(2, recs[1].Line);
        Assert.Equal(["2", "two\nlines", ""], recs[2].Fields);
        Assert.Equal(4, recs[2].Line); // a blank line 3 is skipped
        Assert.Equal(6, recs[3].Line); // the quoted line break counts as a line
        Assert.Equal(["3", "", "z"], recs[3].Fields);
        var e = Assert.Throws<InvalidDataException>(() => CsvParser.Read(new StringReader("a\n\"open"), "q.csv").ToList());
        Assert.Contains("q.csv: row 2", e.Message);
    }

    [Fact]
    public void BreastCancerLoadsWithLabelEncodedTarget()
    {
        var t = CsvLoader.Load(TestData.Path("breast_cancer_wisconsin.csv"), new CsvLoadOptions { TargetColumn = "diagnosis" });
        Assert.Equal(569, t.Dataset.Count);
        Assert.Equal(30, t.Dataset.SampleSize);
        Assert.Equal(0, t.TargetMapping!["benign"]);
        Assert.Equal(1, t.TargetMapping!["malignant"]);
        Assert.Equal(212, t.Dataset.GetLabels().Count(v => v == 1));
        Assert.Equal("mean_radius", t.FeatureNames[0]);
        Assert.Equal(17.99f, t.Dataset.Features[0]);
        Assert.Equal(["benign", "malignant"], t.Dataset.ClassNames!);
    }

    [Fact]
    public void SelectsColumnsAndEncodesCategories()
    {
        var path = TestData.TempFile("age,sex,site,label\n50,F,2,M\n61,M,1,B\n47,F,3,B\n");
        try
        {
            var oneHot = CsvLoader.Load(path, new CsvLoadOptions { TargetColumn = "label", CategoricalColumns = ["site"] });
            Assert.Equal(["age", "sex=F", "sex=M", "site=1", "site=2", "site=3"], oneHot.FeatureNames);
            Assert.Equal([50, 1, 0, 0, 1, 0], oneHot.Dataset.GetFeatures(0).ToArray());
            Assert.Equal([1f, 0f, 0f], oneHot.Dataset.Targets); // B=0, M=1
            var ord = CsvLoader.Load(path, new CsvLoadOptions { TargetColumn = "label", FeatureColumns = ["sex", "age"], Categorical = CategoricalEncoding.Ordinal, TargetClasses = ["M", "B"] });
            Assert.Equal(["sex", "age"], ord.FeatureNames);
            Assert.Equal([0, 50, 1, 61, 0, 47], ord.Dataset.Features);
            Assert.Equal([0f, 1f, 1f], ord.Dataset.Targets);
            Assert.Equal(["F", "M"], ord.CategoryLevels["sex"]);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void MissingValuesFollowThePolicy()
    {
        var path = TestData.TempFile("x,y,t\n1,NA,0\n2,4,1\n,6,0\n4,8,1\n");
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => CsvLoader.Load(path, new CsvLoadOptions { TargetColumn = "t" }));
            Assert.Contains($"{path}: row 2, column 'y'", e.Message);
            var dropped = CsvLoader.Load(path, new CsvLoadOptions { TargetColumn = "t", Missing = MissingValuePolicy.DropRow });
            Assert.Equal(2, dropped.DroppedRows);
            Assert.Equal([2, 4, 4, 8], dropped.Dataset.Features);
            var kept = CsvLoader.Load(path, new CsvLoadOptions { TargetColumn = "t", Missing = MissingValuePolicy.ImputeMedian });
            Assert.True(float.IsNaN(kept.Dataset.Features[1]) && float.IsNaN(kept.Dataset.Features[4]));
            // fitted on the training part (rows 0, 1, 3) only: x {1,2,4}, y {4,8}; row 2's 6 must not count
            var train = kept.Dataset.Subset([0, 1, 3]);
            var median = kept.FitImputer(train);
            Assert.Equal([2f, 6f], median.FillValues);
            Assert.Equal([1, 6, 2, 4, 2, 6, 4, 8], median.Transform(kept.Dataset).Features);
            var mean = Imputer.Fit(train, ImputeStrategy.Mean);
            Assert.Equal([7f / 3, 6f], mean.FillValues);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void BadFilesNameFileRowAndColumn()
    {
        void Expect(string content, string fragment, CsvLoadOptions? o = null)
        {
            var path = TestData.TempFile(content);
            try
            {
                var e = Assert.Throws<InvalidDataException>(() => CsvLoader.Load(path, o ?? new CsvLoadOptions { TargetColumn = "t" }));
                Assert.Contains(path, e.Message);
                Assert.Contains(fragment, e.Message);
            }
            finally { File.Delete(path); }
        }
        Expect("", "empty");
        Expect("a,t\n", "no data rows");
        Expect("a,t\n1,0\n2,0,5\n", "row 3 has 3 fields but the header has 2 columns");
        Expect("a,t\n1,0\n2x,1\n", "row 3, column 'a': '2x' is not a number");
        Expect("a,b\n1,0\n", "target column 't' not found", new CsvLoadOptions { TargetColumn = "t" });
        Expect("a,t\n1,yes\n2,\n", "row 3, column 't': the target is missing");
        Expect("a,t\n1,yes\n2,maybe\n", "'maybe' is not one of the target classes", new CsvLoadOptions { TargetColumn = "t", TargetClasses = ["no", "yes"] });
    }
}
