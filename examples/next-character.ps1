#Requires -Version 7.4
<#
.SYNOPSIS
    A character-level language model: at every step of a first name, predict the next character (or the
    end of the name); trained, saved, reloaded, measured per step and used to complete names.
.DESCRIPTION
    The records are what Import-Csv gives (data/first-names: 8,003 English first names); only the Name
    property is used. Invoke-Training -Task NextToken takes the labels from the text itself: at step t the
    label is the character at step t+1, after the last character it is <end>, and the padding after that
    counts for nothing (no loss, no gradient, no accuracy). The network outputs one score row per step:
    TextVectorization (characters) -> Embedding -> GRU -ReturnSequences -> Dense (one unit per id).
    Measure-Model reports the accuracy over the held-out names' steps; Invoke-Prediction adds to each
    record PredictedLabel and Probability, arrays with one entry per character of the text: the last entry
    is the character predicted to follow the whole text.
    Split: every fifth record (in file order) is a test record, the rest train.
.EXAMPLE
    pwsh ./examples/next-character.ps1
.EXAMPLE
    pwsh ./examples/next-character.ps1 -Epochs 2 -Start 'Ma', 'Jo'
#>
param(
    # The built module (./build.ps1 Build, or: dotnet publish src/NeuralPS.Cmdlets/NeuralPS.Cmdlets.csproj -c Release).
    [string] $ModulePath = (Join-Path $PSScriptRoot '..' 'out' 'NeuralPS'),
    [ValidateRange(1, 1000)]
    [int] $Epochs = 8,
    [ulong] $Seed = 1,
    # Beginnings of names to complete, one character at a time, with the model's most likely next character.
    [string[]] $Start = @('Ma', 'Ro', 'Cha', 'El'),
    # Where the trained model is saved (and reloaded from).
    [string] $ModelFile = (Join-Path ([IO.Path]::GetTempPath()) 'next-character.npsm')
)
$ErrorActionPreference = 'Stop'
if (-not (Get-Module -Name NeuralPS)) { Import-Module $ModulePath }

# 1. Records with a Name property.
$rows = Import-Csv (Join-Path $PSScriptRoot '..' 'data' 'first-names' 'first-names.csv') | Select-Object Name
$test = for ($i = 0; $i -lt $rows.Count; $i += 5) { $rows[$i] }
$train = for ($i = 0; $i -lt $rows.Count; $i++) { if ($i % 5) { $rows[$i] } }
'{0} training and {1} test names' -f $train.Count, $test.Count

# 2. One score row per step: Dense over every step of the GRU's output, one unit per token id.
$net = New-NeuralNetwork -Name next-character -Seed $Seed |
    Add-Layer TextVectorization -MaxTokens 64 -SequenceLength 16 -Split Character |
    Add-Layer Embedding -Dimensions 16 |
    Add-Layer GRU -Units 96 -ReturnSequences -MaskZeroSteps |
    Add-Layer Dense -Units 64
$net | Out-Host

# 3. Train: the labels are the next characters of each name; the vocabulary is fitted on $train only.
$clock = [Diagnostics.Stopwatch]::StartNew()
$history = $train | Invoke-Training -Network $net -Task NextToken -Epochs $Epochs -BatchSize 32 -LearningRate 0.005
$clock.Stop()
$history | Format-Table Epoch, Loss, Accuracy, Duration | Out-Host

# 4. Save, reload, and measure the reloaded model per step on the raw test names.
$net | Save-NeuralNetwork -Path $ModelFile -Force
$model = Import-NeuralNetwork -Path $ModelFile
$measure = $test | Measure-Model -Network $model
$measure | Select-Object Accuracy, Loss, Count, MacroF1 | Format-List | Out-Host

# 5. Complete names: append the predicted next character until the model predicts <end>.
foreach ($begin in $Start) {
    $name = $begin
    while ($name.Length -lt 15) {
        $next = ([pscustomobject]@{ Name = $name } | Invoke-Prediction -Network $model).PredictedLabel[-1]
        if ($next -eq '<end>') { break }
        $name += $next
    }
    '{0,-6} -> {1}' -f $begin, ((Get-Culture).TextInfo.ToTitleCase($name))
}
'Next-character accuracy on the test names: {0:P1} over {1} steps ({2} epochs, {3:F2} s per epoch)' -f $measure.Accuracy, $measure.Count, $Epochs,
    ($clock.Elapsed.TotalSeconds / $Epochs)
