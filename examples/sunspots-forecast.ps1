#Requires -Version 7.4
<#
.SYNOPSIS
    Forecasting a real series with a recurrent network from the shell: next year's sunspot number from the
    previous 12 years (data/sunspots: yearly means 1700-2008, public domain, NOAA NGDC via statsmodels).
.DESCRIPTION
    The rows of Import-Csv are the series, one year per row. Invoke-Training -SeriesProperty SUNACTIVITY
    cuts it into sliding windows of the network's input length (-InputShape 12,1: 12 years of one value),
    each forecasting the value -Horizon years after its last year (and, with -Outputs k, the k-1 years after
    that). -ValidationSplit 0.2 holds out the end of the series in time order (the windows whose targets are
    1947-2008); the scaling is fitted on the training years only and saved with the model, so Measure-Model
    and Invoke-Prediction take the raw rows and answer in sunspot numbers. The forecast is compared with
    persistence (next year = this year), and the last window's forecast is the year after the data.
    The same network and settings in PyTorch: /usr/bin/python3 bench/reference/sequence_tasks.py --tasks sunspots
    (seeds 1, 2, ...; here -Seed; the output layer drawn as torch.nn.Linear's, -WeightInit PyTorch).
.EXAMPLE
    pwsh ./examples/sunspots-forecast.ps1
.EXAMPLE
    pwsh ./examples/sunspots-forecast.ps1 -Outputs 3     # 1, 2 and 3 years ahead from each window
#>
param(
    # The built module (./build.ps1 Build, or: dotnet publish src/NeuralPS.Cmdlets/NeuralPS.Cmdlets.csproj -c Release).
    [string] $ModulePath = (Join-Path $PSScriptRoot '..' 'out' 'NeuralPS'),
    [string] $DataPath = (Join-Path $PSScriptRoot '..' 'data' 'sunspots' 'sunspots.csv'),
    [int] $Window = 12,
    [int] $Horizon = 1,
    [int] $Outputs = 1,
    [int] $Epochs = 60,
    [ulong] $Seed = 7,
    # How the output Dense layer draws its first weights (PyTorch = torch.nn.Linear's default, as bench/reference/sequence_tasks.py).
    [ValidateSet('Auto', 'GlorotUniform', 'HeNormal', 'LeCunNormal', 'PyTorch')]
    [string] $WeightInit = 'PyTorch',
    [string] $ModelFile = (Join-Path ([IO.Path]::GetTempPath()) 'sunspots.npsm')
)
$ErrorActionPreference = 'Stop'
if (-not (Get-Module -Name NeuralPS)) { Import-Module $ModulePath }

# 1. The series: one row per year (YEAR, SUNACTIVITY).
$years = Import-Csv -Path $DataPath

# 2. A GRU over the 12 steps, one output per forecast year.
$net = New-NeuralNetwork -Name sunspots -InputShape $Window, 1 -Seed $Seed |
    Add-Layer GRU -Units 16 |
    Add-Layer Dense -Units $Outputs -WeightInit $WeightInit
$net | Out-Host

# 3. Train on the windows whose targets are in the first 80 % of the years; the last 20 % validate.
$null = $years | Invoke-Training -Network $net -SeriesProperty SUNACTIVITY -Horizon $Horizon -ValidationSplit 0.2 `
    -Epochs $Epochs -BatchSize 16 -LearningRate 0.01 -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Series*' } | Out-Host
$net | Save-NeuralNetwork -Path $ModelFile -Force
$model = Import-NeuralNetwork -Path $ModelFile

# 4. Measure on the test years: the rows from $Window years before the first test year (its inputs) on.
$split = [int][math]::Floor(0.8 * $years.Count)
$testRows = $years[($split - $Window - $Horizon + 1)..($years.Count - 1)]
$measure = $testRows | Measure-Model -Network $model
$forecast = @($testRows | Invoke-Prediction -Network $model | Where-Object { $null -ne $_.Actual })
$naive = 0.0
foreach ($f in $forecast) {
    $last = [double]$testRows[$f.Step - 1 - $Horizon].SUNACTIVITY  # the last value the window saw (Step counts the rows piped in)
    $naive += ($last - $f.Actual) * ($last - $f.Actual)
}
$persistence = [math]::Sqrt($naive / $forecast.Count)
$forecast | Select-Object -Last 8 | ForEach-Object {
    [pscustomobject]@{ Year = $testRows[$_.Step - 1].YEAR; Actual = $_.Actual; Forecast = $_.Forecast } } | Format-Table | Out-Host

# 5. The future: the last window's forecast is for the year after the data.
$next = $years | Invoke-Prediction -Network $model | Select-Object -Last 1
'Forecast for {0}: {1}' -f ([int]$years[-1].YEAR + $Horizon), ($next.Forecast | ForEach-Object { '{0:F1}' -f $_ }) -join ', '
'Test years {0}-{1}: GRU RMSE {2:F1}, persistence RMSE {3:F1}' -f $years[$split].YEAR, $years[-1].YEAR, $measure.RMSE, $persistence
