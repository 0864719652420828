#Requires -Version 7.4
<#
.SYNOPSIS
    Text classification from raw text records: spam or ham for real e-mails (word level), or a first
    name's sex (character level), trained, saved, reloaded and used on new raw text.
.DESCRIPTION
    The records are what Import-Csv gives: a text property and a label property. The network's first
    layer, TextVectorization, says how text becomes token ids (words or characters, at most -MaxTokens
    ids, -SequenceLength ids per text); Invoke-Training fits the vocabulary on the training records only
    and keeps it with the model, so Measure-Model, Invoke-Prediction and a reloaded model take raw text.

    Spam: data/spam-assassin (the SpamAssassin public corpus, 6,046 messages: subject and body text).
    Names: data/first-names (8,003 English first names, female or male).
    Split: every fifth record (in file order) is a test record, the rest train; the same split, network and
    settings run in PyTorch with: /usr/bin/python3 bench/reference/torch_text.py --task spam|names [--seed S]
    (the output layer drawn as torch.nn.Linear's, -WeightInit PyTorch; the recurrent layers and the
    Embedding draw as PyTorch's anyway). README.md, "Text and series from the shell", has both sides over
    several seeds.
.EXAMPLE
    pwsh ./examples/text-classification.ps1
.EXAMPLE
    pwsh ./examples/text-classification.ps1 -Task Names
#>
param(
    [ValidateSet('Spam', 'Names')]
    [string] $Task = 'Spam',
    # The built module (./build.ps1 Build, or: dotnet publish src/NeuralPS.Cmdlets/NeuralPS.Cmdlets.csproj -c Release).
    [string] $ModulePath = (Join-Path $PSScriptRoot '..' 'out' 'NeuralPS'),
    [int] $Epochs = 0,
    [ulong] $Seed = 1,
    # How the output Dense layer draws its first weights (PyTorch = torch.nn.Linear's default, as the reference script).
    [ValidateSet('Auto', 'GlorotUniform', 'HeNormal', 'LeCunNormal', 'PyTorch')]
    [string] $WeightInit = 'PyTorch',
    # Where the trained model is saved (and reloaded from).
    [string] $ModelFile = (Join-Path ([IO.Path]::GetTempPath()) "text-$($Task.ToLowerInvariant()).npsm")
)
$ErrorActionPreference = 'Stop'
if (-not (Get-Module -Name NeuralPS)) { Import-Module $ModulePath }
$data = Join-Path $PSScriptRoot '..' 'data'

# 1. Records with a text property and a label (the spam file is gzipped to keep the repository small).
if ($Task -eq 'Spam') {
    $file = [IO.File]::OpenRead((Join-Path $data 'spam-assassin' 'spam-assassin.csv.gz'))
    try {
        $reader = [IO.StreamReader]::new([IO.Compression.GZipStream]::new($file, [IO.Compression.CompressionMode]::Decompress))
        $rows = $reader.ReadToEnd() | ConvertFrom-Csv | Select-Object Text, Label
    } finally { $file.Dispose() }
    $text = 'Text'; $label = 'Label'
    $net = New-NeuralNetwork -Name spam -Seed $Seed |
        Add-Layer TextVectorization -MaxTokens 20000 -SequenceLength 200 -Split Word |
        Add-Layer Embedding -Dimensions 32 |
        Add-Layer LSTM -Units 32 -MaskZeroSteps |
        Add-Layer Dense -Units 2 -WeightInit $WeightInit
    $settings = @{ Epochs = 5; BatchSize = 32; LearningRate = 0.002 }
    $samples = 'Congratulations! You have been selected to receive a FREE vacation. Click here to claim your prize now',
               'Re: the patch you sent on Friday builds fine here; can you update the documentation before the release?'
} else {
    $rows = Import-Csv (Join-Path $data 'first-names' 'first-names.csv')
    $text = 'Name'; $label = 'Sex'
    $net = New-NeuralNetwork -Name names -Seed $Seed |
        Add-Layer TextVectorization -MaxTokens 64 -SequenceLength 12 -Split Character |
        Add-Layer Embedding -Dimensions 16 |
        Add-Layer GRU -Units 64 -MaskZeroSteps |
        Add-Layer Dense -Units 2 -WeightInit $WeightInit
    $settings = @{ Epochs = 10; BatchSize = 32; LearningRate = 0.003 }
    $samples = 'Roberta', 'Robert', 'Mirabel', 'Thorvald'
}
if ($Epochs -gt 0) { $settings.Epochs = $Epochs }
$test = for ($i = 0; $i -lt $rows.Count; $i += 5) { $rows[$i] }
$train = for ($i = 0; $i -lt $rows.Count; $i++) { if ($i % 5) { $rows[$i] } }
"{0}: {1} training and {2} test records" -f $Task, $train.Count, $test.Count
$net | Out-Host

# 2. Train: the vocabulary is fitted on $train only.
$clock = [Diagnostics.Stopwatch]::StartNew()
$history = $train | Invoke-Training -Network $net -LabelProperty $label @settings
$clock.Stop()
$history | Format-Table Epoch, Loss, Accuracy, Duration | Out-Host

# 3. Save, reload, and measure the reloaded model on the raw test records.
$net | Save-NeuralNetwork -Path $ModelFile -Force
$model = Import-NeuralNetwork -Path $ModelFile
$measure = $test | Measure-Model -Network $model
$measure | Out-Host

# 4. New raw text.
$samples | ForEach-Object { [pscustomobject]@{ $text = $_ } } | Invoke-Prediction -Network $model |
    Select-Object PredictedLabel, Probability, $text | Format-Table -Wrap | Out-Host
'Test accuracy: {0:P1} ({1} epochs, {2:F2} s per epoch, vocabulary {3} ids)' -f $measure.Accuracy, $settings.Epochs,
    ($clock.Elapsed.TotalSeconds / $settings.Epochs), $model.Layers[0].Vocabulary.VocabularySize
