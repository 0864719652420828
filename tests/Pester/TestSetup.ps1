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
