#!/usr/bin/env pwsh
# Runs the steps of eng/build-steps.txt (all of them, or the ones named) from PowerShell.
# The same file drives build.sh, so both run the same steps. Usage: ./build.ps1 [-List] [step ...]
param([switch]$List, [Parameter(ValueFromRemainingArguments = $true)][string[]]$Steps)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot
$table = [ordered]@{}
foreach ($line in Get-Content 'eng/build-steps.txt') {
    if ($line -match '^\s*(#|$)') { continue }
    $i = $line.IndexOf(':')
    $table[$line.Substring(0, $i).Trim()] = $line.Substring($i + 1).Trim()
}
if ($List) { $table.Keys; exit 0 }
if (-not $Steps) { $Steps = @($table.Keys) }
foreach ($s in $Steps) {
    if (-not $table.Contains($s)) { Write-Error "build.ps1: unknown step '$s' (steps: $($table.Keys -join ' '))"; exit 2 }
    Write-Host "== ${s}: $($table[$s])"
    # Each step is a shell command line with && chains, which PowerShell 7 runs as written.
    $started = Get-Date
    Invoke-Expression $table[$s]
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    Write-Host ("== ${s}: done in {0:0} s" -f ((Get-Date) - $started).TotalSeconds)
}
