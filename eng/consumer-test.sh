#!/usr/bin/env bash
# Consumer test: NativeNet as a user gets it. Packs a unique prerelease version into a local
# folder feed, checks the package layout (managed assemblies, docs, README, licence, one native
# library per runtime with the right architecture, size), then a fresh console app restores it
# with an isolated NuGet cache (so no stale package can hide a broken one), runs real kernels
# from the package alone, and `dotnet publish -r linux-x64` output must carry and load
# libnativenet.so. Needs the native-<rid> steps first (./build.sh native-linux-x64
# native-linux-arm64 native-win-x64). Usage: eng/consumer-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
unset NATIVENET_NATIVE_PATH NATIVENET_BACKEND NATIVENET_MAX_ISA

version="$(tr -d '[:space:]' < VERSION)-ci.$(date -u +%Y%m%d%H%M%S).$$"
work=$(mktemp -d "${TMPDIR:-/tmp}/nativenet-consumer.XXXXXX")
trap 'rm -rf "$work"' EXIT
feed=$work/feed
fail() { echo "consumer-test: FAIL: $*" >&2; exit 1; }

echo "== pack NativeNet $version -> $feed"
dotnet pack src/NativeNet/NativeNet.csproj -c Release -o "$feed" -p:Version="$version" -nologo -v:q
nupkg=$feed/NativeNet.$version.nupkg
[[ -f $nupkg ]] || fail "no $nupkg"
[[ -f $feed/NativeNet.$version.snupkg ]] || fail "no symbols package (.snupkg)"

echo "== package layout"
size=$(stat -c %s "$nupkg")
echo "size: $size bytes"
((size <= 10 * 1024 * 1024)) || fail "package is $size bytes (> 10 MB)"
listing=$(unzip -Z1 "$nupkg")
for f in README.md LICENSE \
         lib/net10.0/NativeNet.dll lib/net10.0/NativeNet.xml \
         runtimes/linux-x64/native/libnativenet.so runtimes/linux-arm64/native/libnativenet.so \
         runtimes/win-x64/native/nativenet.dll; do
  grep -qx "$f" <<<"$listing" || fail "package lacks $f"
done
unzip -q "$nupkg" 'runtimes/*' -d "$work/unpacked"
check_arch() {  # file, expected `file` fragment
  local out; out=$(file -b "$work/unpacked/$1")
  echo "$1: $out"
  [[ $out == *"$2"* ]] || fail "$1 is not $2"
}
check_arch runtimes/linux-x64/native/libnativenet.so "ELF 64-bit LSB shared object, x86-64"
check_arch runtimes/linux-arm64/native/libnativenet.so "ELF 64-bit LSB shared object, ARM aarch64"
check_arch runtimes/win-x64/native/nativenet.dll "PE32+ executable (DLL)"
check_arch runtimes/win-x64/native/nativenet.dll "x86-64"
if command -v x86_64-w64-mingw32-objdump >/dev/null; then
  # Only Windows system DLLs: the MinGW C++ runtime must be linked in statically.
  deps=$(x86_64-w64-mingw32-objdump -p "$work/unpacked/runtimes/win-x64/native/nativenet.dll" | awk '/DLL Name/ {print $3}')
  echo "nativenet.dll imports: $(echo $deps)"
  grep -qiE 'libstdc|libgcc|winpthread' <<<"$deps" && fail "nativenet.dll needs MinGW runtime DLLs"
fi
unzip -p "$nupkg" NativeNet.nuspec | grep -q "<license type=\"expression\">MIT</license>" || fail "nuspec lacks the MIT licence"
unzip -p "$nupkg" NativeNet.nuspec | grep -q "<readme>README.md</readme>" || fail "nuspec lacks the readme"

echo "== fresh console app restoring from the local feed (isolated NUGET_PACKAGES)"
app=$work/app
mkdir -p "$app"
export NUGET_PACKAGES=$work/nuget-packages
cat > "$app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="nativenet-local" value="$feed" />
  </packageSources>
</configuration>
XML
cat > "$app/Consumer.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="NativeNet" Version="$version" />
  </ItemGroup>
</Project>
XML
cat > "$app/Program.cs" <<'CS'
using NativeNet;
using NativeNet.Data;
using NativeNet.Kernels;
using NativeNet.Metrics;
using NativeNet.Nn;
using NativeNet.Optim;
using NativeNet.Training;

// Runs real work through the package's native library and fails loudly otherwise.
Console.WriteLine($"NativeNet {NativeNetRuntime.Version} (native {NativeNetRuntime.NativeVersion})");
Console.WriteLine(NativeNetRuntime.Cpu);
string loaded = NativeNetRuntime.NativeLibraryPath ?? "(not loaded)";
Console.WriteLine($"native library: {loaded}");
string expectDir = args.Length > 0 ? args[0] : "";
if (!loaded.StartsWith(expectDir, StringComparison.Ordinal))
    throw new InvalidOperationException($"native library loaded from {loaded}, expected under {expectDir}");

// Element-wise ops and a product through the public Tensor API on the native backend.
KernelProvider.Requested = Backend.Native;
if (KernelProvider.Backend != Backend.Native) throw new InvalidOperationException($"backend is {KernelProvider.Backend}, expected Native");
float[] xs = { -2f, -0.5f, 0f, 1.5f, 3f };
using var x = Tensor.FromArray(xs, 1, xs.Length);
using var reluT = x.Relu();
float[] relu = reluT.ToArray();
for (int i = 0; i < xs.Length; i++)
    if (relu[i] != Math.Max(xs[i], 0f)) throw new InvalidOperationException($"relu[{i}] = {relu[i]}, expected {Math.Max(xs[i], 0f)}");
using var sigmoidT = x.Sigmoid();
float[] sigmoid = sigmoidT.ToArray();
for (int i = 0; i < xs.Length; i++)
{
    double want = 1.0 / (1.0 + Math.Exp(-xs[i]));
    if (Math.Abs(sigmoid[i] - want) > 1e-6) throw new InvalidOperationException($"sigmoid[{i}] = {sigmoid[i]}, expected {want}");
}
// [1, 5] · [5, 1] = Σ x²
using var xt = x.Transpose(0, 1);
using var dotT = x.MatMul(xt);
float dot = dotT.ToArray()[0], want2 = 0f;
foreach (float v in xs) want2 += v * v;
if (Math.Abs(dot - want2) > 1e-5f) throw new InvalidOperationException($"x·xᵀ = {dot}, expected {want2}");
Console.WriteLine($"relu, sigmoid and matmul OK through {KernelProvider.Description}, {KernelProvider.Threads} threads");

// Train the breast-cancer model from the package alone: stratified 80/20 split, scaler fitted on
// the training part, MLP, Adam; the held-out accuracy must reach the documented quality.
string csv = args[1];
var table = CsvLoader.Load(csv, new CsvLoadOptions { TargetColumn = "diagnosis", TargetClasses = ["benign", "malignant"] });
var data = table.Dataset;
var fold = Splits.StratifiedKFold(data.GetLabels(), 5, 42)[0];
var scaler = StandardScaler.Fit(data.Subset(fold.Train));
var train = scaler.Transform(data.Subset(fold.Train));
var test = scaler.Transform(data.Subset(fold.Test));
Generator.ManualSeed(42);
using var model = new Sequential(new Linear(30, 64), new ReLU(), new Dropout(0.5), new Linear(64, 32), new ReLU(), new Linear(32, 1));
var compiled = model.Compile(new Adam(model.Parameters(), lr: 1e-3, weightDecay: 0.03), new BCEWithLogitsLoss(), "accuracy", "auc");
compiled.Fit(train, epochs: 60, batchSize: 32, seed: 42);
var scores = compiled.Evaluate(test);
Console.WriteLine($"breast cancer held-out accuracy {scores["accuracy"]:F4}, ROC-AUC {scores["auc"]:F4}");
if (scores["accuracy"] < 0.95 || scores["auc"] < 0.98)
    throw new InvalidOperationException("the model trained from the package is below the documented quality");
Console.WriteLine("CONSUMER OK");
CS

(cd "$app" && dotnet restore -nologo -v:q)
[[ -d $NUGET_PACKAGES/nativenet/$version ]] || fail "NativeNet $version was not restored from the local feed"
echo "== dotnet run (package restore layout)"
(cd "$app" && dotnet build -c Release -nologo -v:q --no-restore)
csv=$PWD/data/breast_cancer_wisconsin.csv
out=$(cd "$app" && dotnet run -c Release --no-build -- "$app/bin/Release/net10.0/runtimes/linux-x64/native/" "$csv")
echo "$out"
grep -q "CONSUMER OK" <<<"$out" || fail "the app did not finish"

echo "== dotnet publish -r linux-x64"
(cd "$app" && dotnet publish -c Release -r linux-x64 -o "$work/publish" -nologo -v:q)
[[ -f $work/publish/libnativenet.so ]] || fail "publish output lacks libnativenet.so"
file -b "$work/publish/libnativenet.so"
out=$("$work/publish/Consumer" "$work/publish/" "$csv")
echo "$out"
grep -q "CONSUMER OK" <<<"$out" || fail "the published app did not finish"
echo "consumer-test: OK (NativeNet $version)"
