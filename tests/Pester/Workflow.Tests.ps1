#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# What users do with the module in a session: feed training from the pipeline in its usual shapes, keep the
# history with the usual cmdlets, watch progress, press Ctrl+C, train in parallel runspaces, and feed image
# rows from CSV into a convolutional network.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $Iris = Get-IrisSplit
    $Manifest = Join-Path $ModulePath 'NeuralPS.psd1'
    $DigitsCsv = Join-Path $RepoRoot 'data' 'digits' 'digits.csv'
    $Digits = @(Import-Csv -Path $DigitsCsv)

    function New-DigitCnn {
        param([int] $Side = 8)
        New-NeuralNetwork -Name digits -InputShape 1, $Side, $Side -Seed 5 |
            Add-Layer Conv2d -Filters 8 -KernelSize 3 -Activation ReLU |
            Add-Layer Flatten |
            Add-Layer Dense -Units 10
    }

    # Predictions as text with every bit of the probability, to compare runs exactly.
    function Get-PredictionText($Network, $Rows) {
        ($Rows | Invoke-Prediction -Network $Network | ForEach-Object { '{0}:{1:R}' -f $_.PredictedLabel, $_.Probability }) -join ';'
    }
}

Describe 'Feeding Invoke-Training' {
    It 'trains straight from Import-Csv of a file' {
        $net = New-IrisNetwork
        $history = Import-Csv -Path $IrisCsv | Invoke-Training -Network $net -LabelProperty Species -Epochs 2
        $history.Epoch | Should -Be 1, 2
        $net.ClassNames | Should -Be 'setosa', 'versicolor', 'virginica'
        $net.Preprocessor.RecordColumns.Name | Should -Be 'SepalLength', 'SepalWidth', 'PetalLength', 'PetalWidth'
    }

    It 'trains a classifier from hashtables with typed values' {
        $rows = $Iris.Train | ForEach-Object {
            @{ SepalLength = [double]$_.SepalLength; SepalWidth = [double]$_.SepalWidth; PetalLength = [double]$_.PetalLength; PetalWidth = [double]$_.PetalWidth; Species = $_.Species }
        }
        $net = New-IrisNetwork -Seed 1
        $null = $rows | Invoke-Training -Network $net -LabelProperty Species -Epochs 60 -BatchSize 16 -LearningRate 0.01
        $net.ClassNames | Should -Be 'setosa', 'versicolor', 'virginica'
        ($Iris.Test | Measure-Model -Network $net).Accuracy | Should -BeGreaterOrEqual 0.9
    }

    It 'trains from Get-NeuralDataset' {
        $net = New-IrisNetwork
        $history = Get-NeuralDataset -Name Iris | Invoke-Training -Network $net -Epochs 3 -BatchSize 16
        $history.Count | Should -Be 3
        $net.EpochsTrained | Should -Be 3
        $net.ClassNames | Should -Be 'setosa', 'versicolor', 'virginica'
    }

    It 'trains from Get-NeuralDataset -AsRecord the same as from Import-Csv' {
        $a = New-IrisNetwork -Seed 3
        $b = New-IrisNetwork -Seed 3
        $null = Get-NeuralDataset -Name Iris -AsRecord | Invoke-Training -Network $a -LabelProperty Species -Epochs 5
        $null = Import-Csv -Path $IrisCsv | Invoke-Training -Network $b -LabelProperty Species -Epochs 5
        Get-PredictionText $a $Iris.Test | Should -Be (Get-PredictionText $b $Iris.Test)
    }
}

Describe 'Training history' {
    BeforeAll {
        $net = New-IrisNetwork
        $History = $Iris.Train | Invoke-Training -Network $net -LabelProperty Species -Epochs 5 -BatchSize 16 -ValidationSplit 0.2
    }

    It 'goes into Export-Csv and comes back with the same numbers' {
        $path = Join-Path $TestDrive 'history.csv'
        $History | Export-Csv -Path $path
        $back = @(Import-Csv -Path $path)
        $back.Count | Should -Be 5
        $back.Epoch | Should -Be '1', '2', '3', '4', '5'
        for ($i = 0; $i -lt 5; $i++) {
            [double]$back[$i].Loss | Should -Be $History[$i].Loss
            [double]$back[$i].ValidationAccuracy | Should -Be $History[$i].ValidationAccuracy
        }
    }

    It 'sorts, filters and measures with the usual cmdlets' {
        $best = $History | Sort-Object ValidationLoss | Select-Object -First 1
        $best.ValidationLoss | Should -Be ($History | Measure-Object ValidationLoss -Minimum).Minimum
        @($History | Where-Object Epoch -gt 3).Count | Should -Be 2
    }
}

Describe 'Progress and Ctrl+C' {
    It 'writes Write-Progress records with the epoch, the batch, the loss and a time left' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($Manifest, $Rows)
                    Import-Module $Manifest
                    $net = New-NeuralNetwork -Name progress -InputShape 4 -Seed 1 | Add-Layer Dense -Units 16 -Activation ReLU | Add-Layer Dense -Units 3
                    $Rows | Invoke-Training -Network $net -LabelProperty Species -Epochs 40 -BatchSize 2
                }).AddArgument($Manifest).AddArgument($Iris.Train)
            $history = $ps.Invoke()
            $history.Count | Should -Be 40
            $progress = @($ps.Streams.Progress)
            $progress.Count | Should -BeGreaterThan 2
            $progress[0].Activity | Should -Match 'progress'
            $progress[0].StatusDescription | Should -Match 'Epoch 1/40, batch \d+/\d+, loss \d'
            @($progress | Where-Object { $_.RecordType -eq 'Processing' -and $_.SecondsRemaining -ge 0 }).Count | Should -BeGreaterThan 0
            $progress[-1].RecordType | Should -Be 'Completed'
        }
        finally { $ps.Dispose() }
    }

    It 'stops within a second on Ctrl+C, with the network still usable' {
        $net = New-IrisNetwork
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($Manifest, $Net, $Rows)
                    Import-Module $Manifest
                    $Rows | Invoke-Training -Network $Net -LabelProperty Species -Epochs 1000000 -BatchSize 2
                }).AddArgument($Manifest).AddArgument($net).AddArgument($Iris.Train)
            $async = $ps.BeginInvoke()
            $wait = [Diagnostics.Stopwatch]::StartNew()
            while ($net.EpochsTrained -lt 2 -and $wait.Elapsed.TotalSeconds -lt 60) { Start-Sleep -Milliseconds 20 }
            $net.EpochsTrained | Should -BeGreaterOrEqual 2
            $stop = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()   # what Ctrl+C does to a pipeline
            $stop.Stop()
            $stop.Elapsed.TotalSeconds | Should -BeLessThan 1
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally { $ps.Dispose() }
        $epochs = $net.EpochsTrained
        @($Iris.Test | Invoke-Prediction -Network $net).Count | Should -Be 30
        $null = $Iris.Train | Invoke-Training -Network $net -LabelProperty Species -Epochs 1
        $net.EpochsTrained | Should -Be ($epochs + 1)
    }
}

Describe 'Parallel runspaces' {
    It 'gives two trainings in ForEach-Object -Parallel the result of one trained alone' {
        $alone = New-IrisNetwork -Seed 9
        $null = $Iris.Train | Invoke-Training -Network $alone -LabelProperty Species -Epochs 30 -BatchSize 8 -LearningRate 0.01
        $expected = Get-PredictionText $alone $Iris.Test
        $results = 1..2 | ForEach-Object -ThrottleLimit 2 -Parallel {
            Import-Module $using:Manifest
            $net = New-NeuralNetwork -Name iris -InputShape 4 -Seed 9 | Add-Layer Dense -Units 16 -Activation ReLU | Add-Layer Dense -Units 3
            $null = $using:Iris.Train | Invoke-Training -Network $net -LabelProperty Species -Epochs 30 -BatchSize 8 -LearningRate 0.01
            ($using:Iris.Test | Invoke-Prediction -Network $net | ForEach-Object { '{0}:{1:R}' -f $_.PredictedLabel, $_.Probability }) -join ';'
        }
        $results.Count | Should -Be 2
        $results[0] | Should -Be $expected
        $results[1] | Should -Be $expected
    }
}

Describe 'Image rows in CSV into a convolutional network' {
    It 'lays the 64 pixel columns out as 1x8x8, says so once with -Verbose, and learns the digits' {
        $net = New-DigitCnn
        $verbose = $Digits[0..1399] | Invoke-Training -Network $net -LabelProperty label -Epochs 4 -BatchSize 32 -LearningRate 0.01 -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        @($verbose | Where-Object Message -Match '64 features are laid out in the input shape 1×8×8').Count | Should -Be 1
        $net.EpochsTrained | Should -Be 4
        $report = $Digits[1400..1796] | Measure-Model -Network $net
        $report.Count | Should -Be 397
        $report.Accuracy | Should -BeGreaterThan 0.85
    }

    It 'predicts from the same flat rows' {
        $net = New-DigitCnn
        $null = $Digits[0..999] | Invoke-Training -Network $net -LabelProperty label -Epochs 3 -BatchSize 32 -LearningRate 0.01
        $predicted = @($Digits[1000..1099] | Invoke-Prediction -Network $net)
        $predicted.Count | Should -Be 100
        $predicted[0].PSObject.Properties.Name | Should -Contain 'pixel63'
        @($predicted | Where-Object { $_.PredictedLabel -eq $_.label }).Count | Should -BeGreaterThan 70
    }

    It 'trains from Import-NeuralDataset -Format Csv the same way' {
        $net = New-DigitCnn
        $dataset = Import-NeuralDataset -Path $DigitsCsv -Format Csv -LabelProperty label
        $dataset.Count | Should -Be 1797
        $history = $dataset | Invoke-Training -Network $net -Epochs 2 -BatchSize 64
        $history.Count | Should -Be 2
    }

    It 'names both sizes when the rows do not fit the input shape' {
        $net = New-DigitCnn -Side 7
        $err = { $Digits[0..99] | Invoke-Training -Network $net -LabelProperty label -Epochs 1 } | Should -Throw -PassThru
        $err.Exception.Message | Should -Match '64 values per sample'
        $err.Exception.Message | Should -Match '1×7×7 \(49 values\)'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $net.EpochsTrained | Should -Be 0
    }
}
