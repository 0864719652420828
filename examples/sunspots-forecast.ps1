#Requires -Version 7.4
<#
.SYNOPSIS
    Forecasting a real series with a recurrent network from the shell: next year's sunspot number from the
    previous 12 years (data/sunspots: yearly means 1700-2008, public domain, NOAA NGDC via statsmodels).
.DESCRIPTION
    Each record holds a window of 12 consecutive years (Year01 .. Year12, oldest first) and the value of the
    following year (Next). The network's -InputShape 12,1 lays each record's 12 numbers out as 12 time steps
    of one feature, a GRU reads them in order, and a Dense layer gives the forecast. The split respects time:
    the model learns from the windows whose target year is before 1947 and is tested on 1947-2008, and the
    feature scaling Invoke-Training fits comes from the training rows only. The forecast is compared with
    persistence (next year = this year).
.EXAMPLE
    pwsh ./examples/sunspots-forecast.ps1
#>
param(
    # The built module (./build.ps1 Build, or: dotnet publish src/NeuralPS.Cmdlets/NeuralPS.Cmdlets.csproj -c Release).
    [string] $ModulePath = (Join-Path $PSScriptRoot '..' 'out' 'NeuralPS'),
    [string] $DataPath = (Join-Path $PSScriptRoot '..' 'data' 'sunspots' 'sunspots.csv'),
    [int] $Window = 12,
    [int] $Epochs = 60,
    # Targets are learned as value / Scale (Invoke-Training standardises the features, not regression targets).
    [double] $Scale = 100
)
$ErrorActionPreference = 'Stop'
if (-not (Get-Module -Name NeuralPS)) { Import-Module $ModulePath }

# 1. The series, and one record per window: Year01..YearNN, then the value that follows.
$years = Import-Csv -Path $DataPath
$values = [double[]]@($years.SUNACTIVITY)
$windows = for ($i = $Window; $i -lt $values.Count; $i++) {
    $row = [ordered]@{ TargetYear = [int]$years[$i].YEAR }
    for ($k = 0; $k -lt $Window; $k++) { $row['Year{0:D2}' -f ($k + 1)] = $values[$i - $Window + $k] }
    $row['Next'] = $values[$i]
    $row['NextScaled'] = $values[$i] / $Scale       # targets are not standardised: keep them near 1
    [pscustomobject]$row
}
$split = [int][math]::Floor(0.8 * $values.Count) - $Window      # first window whose target is in the test years
$train = $windows[0..($split - 1)]
$test = $windows[$split..($windows.Count - 1)]
$features = 1..$Window | ForEach-Object { 'Year{0:D2}' -f $_ }

# 2. A GRU over the 12 steps, one output.
$net = New-NeuralNetwork -Name sunspots -InputShape $Window, 1 -Seed 7 |
    Add-Layer GRU -Units 16 |
    Add-Layer Dense -Units 1
$net | Out-Host

# 3. Train on the earlier years only (regression on Next / Scale).
$null = $train | Invoke-Training -Network $net -LabelProperty NextScaled -FeatureProperty $features -Task Regression `
    -Epochs $Epochs -BatchSize 16 -LearningRate 0.01

# 4. Forecast the later years, and compare with persistence.
$forecast = @($test | Invoke-Prediction -Network $net)
$model = 0.0; $naive = 0.0
foreach ($r in $forecast) {
    $r | Add-Member -NotePropertyName Forecast -NotePropertyValue ($r.PredictedValue * $Scale)
    $model += ($r.Forecast - $r.Next) * ($r.Forecast - $r.Next)
    $naive += ($r.$($features[-1]) - $r.Next) * ($r.$($features[-1]) - $r.Next)
}
$rmse = [math]::Sqrt($model / $forecast.Count)
$persistence = [math]::Sqrt($naive / $forecast.Count)
$forecast | Select-Object TargetYear, Next, Forecast -Last 8 | Format-Table | Out-Host
'Test years {0}-{1}: GRU RMSE {2:F1}, persistence RMSE {3:F1}' -f $test[0].TargetYear, $test[-1].TargetYear, $rmse, $persistence
