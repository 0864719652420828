# Dot-sourced by every *.Tests.ps1 in BeforeAll: imports the BUILT module (./build.ps1 Build, or
# dotnet publish src/NeuralPS.Cmdlets/NeuralPS.Cmdlets.csproj -c Release) and names shared paths.
$ModulePath = if ($env:NEURALPS_MODULE) { $env:NEURALPS_MODULE } else { Join-Path $PSScriptRoot '..' '..' 'out' 'NeuralPS' }
if (-not (Test-Path (Join-Path $ModulePath 'NeuralPS.psd1'))) {
    throw "The built module is not at $ModulePath; run ./build.ps1 Build first."
}
Import-Module (Join-Path $ModulePath 'NeuralPS.psd1') -Force -ErrorAction Stop
$RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '..' '..')).Path
$IrisCsv = Join-Path $RepoRoot 'data' 'iris' 'iris.csv'
$FashionDir = Join-Path $RepoRoot 'data' 'fashion-mnist'

# Iris rows as Import-Csv gives them; every fifth row from the first is held out (10 per species).
function Get-IrisSplit {
    $rows = @(Import-Csv -Path $IrisCsv)
    [pscustomobject]@{
        All   = $rows
        Test  = @(for ($i = 0; $i -lt $rows.Count; $i += 5) { $rows[$i] })
        Train = @(for ($i = 0; $i -lt $rows.Count; $i++) { if ($i % 5) { $rows[$i] } })
    }
}

function New-IrisNetwork {
    param([ulong] $Seed = 1)
    New-NeuralNetwork -Name iris -InputShape 4 -Seed $Seed |
        Add-Layer Dense -Units 16 -Activation ReLU |
        Add-Layer Dense -Units 3
}

# The pwsh to start for tests that need a separate process (a scheduled script, -WhatIf text on the host):
# the test runner names it (tools/pwsh in dotnet test); otherwise this very pwsh, or the one on PATH.
$PwshPath = if ($env:NEURALPS_PWSH) { $env:NEURALPS_PWSH }
elseif ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'pwsh') { [Environment]::ProcessPath }
else { (Get-Command pwsh -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source }

# Runs pwsh -NoProfile -NonInteractive with -Command or -File (and its arguments); returns the exit code and
# everything it printed (stdout and stderr together, without colour).
function Invoke-Pwsh {
    param([string] $Command, [string] $File, [string[]] $ArgumentList = @(), [string] $WorkingDirectory = $RepoRoot)
    $arguments = @('-NoProfile', '-NonInteractive')
    if ($File) { $arguments += @('-File', $File) + $ArgumentList } else { $arguments += @('-Command', $Command) }
    $env:NO_COLOR = '1'
    Push-Location $WorkingDirectory
    try { $output = & $PwshPath @arguments 2>&1 | Out-String } finally { Pop-Location }
    [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output }
}
