#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Text and series as a user meets them: records with a text property train a classifier whose vocabulary is
# saved with it, so a reloaded model reads raw text; a series from Import-Csv rows or numbers on the pipeline
# trains a forecaster whose scaling is saved with it, so forecasts come back in the series' units.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $Names = @(Import-Csv -Path (Join-Path $RepoRoot 'data' 'first-names' 'first-names.csv'))
    # Every fourth name, then every fifth of those is a test name (about 1,600 training and 400 test names).
    $Sample = for ($i = 0; $i -lt $Names.Count; $i += 4) { $Names[$i] }
    $NameTest = for ($i = 0; $i -lt $Sample.Count; $i += 5) { $Sample[$i] }
    $NameTrain = for ($i = 0; $i -lt $Sample.Count; $i++) { if ($i % 5) { $Sample[$i] } }
    $Sunspots = @(Import-Csv -Path (Join-Path $RepoRoot 'data' 'sunspots' 'sunspots.csv'))

    function New-NameNetwork {
        New-NeuralNetwork -Name names -Seed 1 |
            Add-Layer TextVectorization -MaxTokens 64 -SequenceLength 12 -Split Character |
            Add-Layer Embedding -Dimensions 8 |
            Add-Layer GRU -Units 32 -MaskZeroSteps |
            Add-Layer Dense -Units 2
    }
}

Describe 'A text classifier from raw text records' {
    It 'trains on names, saves, reloads and predicts raw text the same way' {
        $net = New-NameNetwork
        $net.InputShape.ToString() | Should -Be '(12,)'
        $net.Layers[1].VocabularySize | Should -Be 64
        $null = $NameTrain | Invoke-Training -Network $net -LabelProperty Sex -Epochs 6 -BatchSize 32 -LearningRate 0.005
        $net.Layers[0].Vocabulary.VocabularySize | Should -BeGreaterThan 20
        $path = Join-Path $TestDrive 'names.npsm'
        $net | Save-NeuralNetwork -Path $path
        $model = Import-NeuralNetwork -Path $path
        $model.Layers[0].Vocabulary.Tokens | Should -Be $net.Layers[0].Vocabulary.Tokens
        ($NameTest | Measure-Model -Network $model).Accuracy | Should -BeGreaterThan 0.7   # 58 % are female
        $raw = 'Marianne', 'Bartholomew' | ForEach-Object { [pscustomobject]@{ Name = $_ } }
        $before = $raw | Invoke-Prediction -Network $net | ForEach-Object { '{0}:{1:R}' -f $_.PredictedLabel, $_.Probability }
        $after = $raw | Invoke-Prediction -Network $model | ForEach-Object { '{0}:{1:R}' -f $_.PredictedLabel, $_.Probability }
        $after | Should -Be $before
        ($raw | Invoke-Prediction -Network $model).PredictedLabel | Should -Be 'female', 'male'
    }

    It 'draws the output layer as torch.nn.Linear with -WeightInit PyTorch and keeps the setting in the model file' {
        $net = New-NeuralNetwork -Name init -InputShape 12, 1 -Seed 3 | Add-Layer GRU -Units 16 | Add-Layer Dense -Units 4 -WeightInit PyTorch
        $dense = $net.Layers[-1]
        $dense.WeightInit | Should -Be 'PyTorch'
        $dense.Details | Should -BeLike '*PyTorch init*'
        $limit = 1 / [math]::Sqrt(16)
        $values = @($dense.Weight.Value.ToArray()) + @($dense.Bias.Value.ToArray())
        $values | ForEach-Object { [math]::Abs($_) | Should -BeLessOrEqual $limit }
        @($dense.Bias.Value.ToArray() | Where-Object { $_ -ne 0 }).Count | Should -Be 4   # the bias is drawn, not zero
        $path = Join-Path $TestDrive 'init.npsm'
        $net | Save-NeuralNetwork -Path $path
        (Import-NeuralNetwork -Path $path).Layers[-1].WeightInit | Should -Be 'PyTorch'
        (New-NeuralNetwork -Name plain -InputShape 3 | Add-Layer Dense -Units 2).Layers[-1].WeightInit | Should -Be 'Auto'
        { New-NeuralNetwork -Name bad -InputShape 3 | Add-Layer Dense -Units 2 -WeightInit Xavier } | Should -Throw
    }

    It 'fits the vocabulary on the training records only, not on the validation split' {
        $rows = 1..40 | ForEach-Object { [pscustomobject]@{ Text = "common word$_"; Label = ('a', 'b')[$_ % 2] } }
        $net = New-NeuralNetwork -Name words -Seed 2 |
            Add-Layer TextVectorization -MaxTokens 1000 -SequenceLength 4 |
            Add-Layer Embedding -Dimensions 4 | Add-Layer LSTM -Units 4 -MaskZeroSteps | Add-Layer Dense -Units 2
        $null = $rows | Invoke-Training -Network $net -ValidationSplit 0.25 -Epochs 1
        $tokens = $net.Layers[0].Vocabulary.Tokens
        $tokens | Should -Contain 'common'
        $tokens.Count | Should -Be 31        # 'common' and the 30 training records' own words; none of the 10 held out
    }

    It 'refuses text records with several properties besides the label, naming them' {
        $net = New-NameNetwork
        $err = { [pscustomobject]@{ First = 'Ann'; Middle = 'Lee'; Sex = 'female' } | Invoke-Training -Network $net -LabelProperty Sex -Epochs 1 } |
            Should -Throw -PassThru
        $err.Exception.Message | Should -BeLike '*First, Middle*-FeatureProperty*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'says TextVectorization must come first' {
        $err = { New-NeuralNetwork -InputShape 4 | Add-Layer Dense -Units 4 | Add-Layer TextVectorization -SequenceLength 4 } | Should -Throw -PassThru
        $err.Exception.Message | Should -BeLike '*first layer*'
        $err = { New-NeuralNetwork | Add-Layer Dense -Units 4 } | Should -Throw -PassThru
        $err.Exception.Message | Should -BeLike '*-InputShape*'
    }
}

Describe 'Forecasting a series' {
    It 'forecasts sunspots from Import-Csv rows in sunspot numbers, after a save and reload' {
        $net = New-NeuralNetwork -Name sunspots -InputShape 12, 1 -Seed 7 | Add-Layer GRU -Units 16 | Add-Layer Dense -Units 1
        $verbose = $Sunspots | Invoke-Training -Network $net -SeriesProperty SUNACTIVITY -ValidationSplit 0.2 -Epochs 30 -BatchSize 16 -LearningRate 0.01 -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message
        $verbose | Should -Contain ($verbose | Where-Object { $_ -like 'Series of 309 steps*235 training windows (steps 1-247, scaling fitted on them only), 62 validation windows with targets after step 247*' })
        $path = Join-Path $TestDrive 'sunspots.npsm'
        $net | Save-NeuralNetwork -Path $path
        $model = Import-NeuralNetwork -Path $path
        $model.Series.Properties | Should -Be 'SUNACTIVITY'
        $test = $Sunspots[235..308]            # 12 years of inputs, then the 62 test years 1947-2008
        $report = $test | Measure-Model -Network $model
        $report.Count | Should -Be 62
        $report.RMSE | Should -BeLessThan 30   # persistence (next year = this year) scores 33.3
        $forecasts = @($test | Invoke-Prediction -Network $model)
        $forecasts.Count | Should -Be 63       # every window; the last forecasts 2009
        $forecasts[0].Step | Should -Be 13
        $forecasts[0].Actual | Should -Be ([double]$Sunspots[247].SUNACTIVITY)
        $forecasts[-1].Actual | Should -BeNullOrEmpty
        $forecasts[-1].Step | Should -Be 75
        $forecasts[-1].Forecast | Should -BeGreaterThan -50
    }

    It 'validates on a separate series given with -ValidationData, the same windows as -ValidationSplit' {
        $settings = @{ SeriesProperty = 'SUNACTIVITY'; Epochs = 3; BatchSize = 16; LearningRate = 0.01 }
        $a = New-NeuralNetwork -Name a -InputShape 12, 1 -Seed 7 | Add-Layer GRU -Units 8 | Add-Layer Dense -Units 1
        $b = New-NeuralNetwork -Name b -InputShape 12, 1 -Seed 7 | Add-Layer GRU -Units 8 | Add-Layer Dense -Units 1
        $split = @($Sunspots | Invoke-Training -Network $a -ValidationSplit 0.2 @settings)
        # The first 247 years train; the later years, with the 12 before the first validation target, validate.
        $verbose = $Sunspots[0..246] | Invoke-Training -Network $b -ValidationData $Sunspots[235..308] @settings -Verbose 4>&1
        $separate = @($verbose | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        ($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message) -join ' | ' |
            Should -BeLike '*235 training windows*62 validation windows from the -ValidationData series*'
        $separate.ValidationLoss | Should -Be $split.ValidationLoss
        $separate.Loss | Should -Be $split.Loss
        { $Sunspots[0..246] | Invoke-Training -Network $b -ValidationData $Sunspots[300..308] @settings } | Should -Throw '*include the 12 steps before*'
        { $Sunspots | Invoke-Training -Network $b -ValidationData $Sunspots[235..308] -ValidationSplit 0.2 @settings } | Should -Throw '*not both*'
    }

    It 'takes numbers on the pipeline and forecasts several steps ahead' {
        $wave = 0..299 | ForEach-Object { 10 + 5 * [math]::Sin($_ / 4) }
        $net = New-NeuralNetwork -Name wave -InputShape 16 -Seed 3 | Add-Layer Dense -Units 32 -Activation Tanh | Add-Layer Dense -Units 3
        $null = $wave | Invoke-Training -Network $net -Horizon 2 -Epochs 40 -BatchSize 16 -LearningRate 0.01
        $net.Series.Horizon | Should -Be 2
        $out = @($wave[0..39] | Invoke-Prediction -Network $net)
        $out.Count | Should -Be 25
        $out[0].Step | Should -Be 18                          # window 1..16, first target 2 steps after its last
        $out[0].Forecast.Count | Should -Be 3
        [math]::Abs($out[0].Forecast[0] - $wave[18 - 1]) | Should -BeLessThan 1.5
        ($wave[0..99] | Measure-Model -Network $net).RMSE | Should -BeLessThan 1.5
    }

    It 'reports a step that is not a number, naming it, and goes on' {
        $net = New-NeuralNetwork -Name s -InputShape 4 -Seed 1 | Add-Layer Dense -Units 1
        $rows = 1..30 | ForEach-Object { [pscustomobject]@{ V = if ($_ -eq 7) { 'n/a' } else { $_ } } }
        $null = $rows | Invoke-Training -Network $net -SeriesProperty V -Epochs 1 -ErrorVariable bad -ErrorAction SilentlyContinue
        $bad.Count | Should -Be 1
        $bad[0].Exception.Message | Should -BeLike "*Step 7*'V'*'n/a'*"
        $bad[0].TargetObject.V | Should -Be 'n/a'
    }

    It 'refuses a network whose input is not a window of the series' {
        $net = New-NeuralNetwork -Name s -InputShape 6, 2 -Seed 1 | Add-Layer GRU -Units 2 | Add-Layer Dense -Units 1
        $err = { 1..50 | Invoke-Training -Network $net -Horizon 1 -Epochs 1 } | Should -Throw -PassThru
        $err.Exception.Message | Should -BeLike '*-InputShape window,1*'
    }
}

Describe 'A next-character model: one label per step' {
    BeforeAll {
        function New-NextCharacterNetwork {
            New-NeuralNetwork -Name next-character -Seed 3 |
                Add-Layer TextVectorization -MaxTokens 64 -SequenceLength 12 -Split Character |
                Add-Layer Embedding -Dimensions 8 |
                Add-Layer GRU -Units 48 -ReturnSequences -MaskZeroSteps |
                Add-Layer Dense -Units 64
        }
    }

    It 'trains with -Task NextToken, round-trips through a file, and measures only the real steps' {
        $net = New-NextCharacterNetwork
        $net.OutputShape.ToString() | Should -Be '(12, 64)'
        $history = $NameTrain | Select-Object Name | Invoke-Training -Network $net -Task NextToken -Epochs 4 -BatchSize 32 -LearningRate 0.01
        $history[-1].Loss | Should -BeLessThan $history[0].Loss
        $path = Join-Path $TestDrive 'next-character.npsm'
        $net | Save-NeuralNetwork -Path $path
        $model = Import-NeuralNetwork -Path $path
        $measure = $NameTest | Select-Object Name | Measure-Model -Network $model

        # A name of n < 12 characters has n labelled steps (n - 1 next characters and <end>); a longer one
        # is cut to 12 and its last step has no label; the padding counts for nothing.
        $steps = ($NameTest | ForEach-Object { if ($_.Name.Length -lt 12) { $_.Name.Length } else { 11 } } | Measure-Object -Sum).Sum
        $measure.Count | Should -Be $steps
        # Most frequent next character of the training names (the unigram baseline); the model must beat it.
        $next = $NameTrain | ForEach-Object { $c = $_.Name.ToLowerInvariant(); for ($i = 1; $i -lt [Math]::Min($c.Length, 12); $i++) { $c[$i] }; if ($c.Length -lt 12) { '<end>' } }
        $baseline = ($next | Group-Object -CaseSensitive | Sort-Object Count -Descending | Select-Object -First 1).Count / @($next).Count
        $measure.Accuracy | Should -BeGreaterThan ($baseline + 0.1)
    }

    It 'predicts one label per character, the same before and after a reload' {
        $net = New-NextCharacterNetwork
        $null = $NameTrain | Select-Object Name | Invoke-Training -Network $net -Task NextToken -Epochs 1 -BatchSize 32
        $path = Join-Path $TestDrive 'next-character-1.npsm'
        $net | Save-NeuralNetwork -Path $path
        $model = Import-NeuralNetwork -Path $path
        $raw = 'Mar', 'Christopher', 'Bartholomew-Jones' | ForEach-Object { [pscustomobject]@{ Name = $_ } }
        $before = $raw | Invoke-Prediction -Network $net
        $after = $raw | Invoke-Prediction -Network $model
        $before | ForEach-Object { $_.PredictedLabel.Count } | Should -Be 3, 11, 12
        $before[0].Probability.Count | Should -Be 3
        ($after | ForEach-Object { $_.PredictedLabel -join '|' }) | Should -Be ($before | ForEach-Object { $_.PredictedLabel -join '|' })
        $model.ClassNames[0] | Should -Be '<end>'
    }

    It 'refuses -Task NextToken for a network with one output row, naming -ReturnSequences' {
        $net = New-NameNetwork
        $err = { $NameTrain[0..9] | Select-Object Name | Invoke-Training -Network $net -Task NextToken -Epochs 1 } | Should -Throw -PassThru
        $err.Exception.Message | Should -BeLike '*-ReturnSequences*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'refuses -LabelProperty with -Task NextToken' {
        $net = New-NextCharacterNetwork
        $err = { $NameTrain[0..9] | Invoke-Training -Network $net -Task NextToken -LabelProperty Sex -Epochs 1 } | Should -Throw -PassThru
        $err.Exception.Message | Should -BeLike '*from the text itself*'
    }
}
