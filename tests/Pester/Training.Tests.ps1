#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $Iris = Get-IrisSplit
}

Describe 'Invoke-Training' {
    It 'trains on Import-Csv rows and writes one history object per epoch' {
        $net = New-IrisNetwork
        $history = $Iris.Train | Invoke-Training -Network $net -LabelProperty Species -Epochs 3 -BatchSize 16 -LearningRate 0.01 -ValidationSplit 0.2
        $history.Count | Should -Be 3
        $history.Epoch | Should -Be 1, 2, 3
        $names = $history[0].PSObject.Properties.Name
        foreach ($p in 'Epoch', 'Loss', 'Accuracy', 'ValidationLoss', 'ValidationAccuracy', 'Duration', 'SamplesPerSecond') {
            $names | Should -Contain $p
        }
        $history[-1].Accuracy | Should -BeGreaterThan 0
        $history[-1].ValidationAccuracy | Should -Not -BeNullOrEmpty
        $history[-1].Duration | Should -BeOfType [timespan]
        $net.EpochsTrained | Should -Be 3
        $net.ClassNames | Should -Be 'setosa', 'versicolor', 'virginica'
    }

    It 'reaches at least 95% test accuracy on held-out Iris rows' {
        $net = New-IrisNetwork -Seed 1
        $null = $Iris.Train | Invoke-Training -Network $net -LabelProperty Species -Epochs 100 -BatchSize 16 -LearningRate 0.01
        $report = $Iris.Test | Measure-Model -Network $net
        $report.Count | Should -Be 30
        $report.Accuracy | Should -BeGreaterOrEqual 0.95
    }

    It 'writes each epoch as it completes, so a downstream Select-Object -First stops training early' {
        $net = New-IrisNetwork
        $first = $Iris.Train | Invoke-Training -Network $net -LabelProperty Species -Epochs 200 -BatchSize 4 | Select-Object -First 1
        $first.Epoch | Should -Be 1
        $net.EpochsTrained | Should -BeLessThan 200
    }

    It 'reports a record it cannot read as a non-terminating error and trains on the rest' {
        $net = New-IrisNetwork
        $bad = [pscustomobject]@{ SepalLength = 'abc'; SepalWidth = '3.0'; PetalLength = '1.4'; PetalWidth = '0.2'; Species = 'setosa' }
        $rows = @($Iris.Train[0..9]) + $bad + @($Iris.Train[10..119])
        $history = $rows | Invoke-Training -Network $net -LabelProperty Species -Epochs 1 -ErrorVariable errs -ErrorAction SilentlyContinue
        $history.Count | Should -Be 1
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'BadRecord,NeuralPS.Cmdlets.InvokeTrainingCmdlet'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $errs[0].Exception.Message | Should -Match 'Record 11'
        $errs[0].Exception.Message | Should -Match 'SepalLength'
        $errs[0].TargetObject.SepalLength | Should -Be 'abc'
    }

    It 'stops on a bad record with -ErrorAction Stop' {
        $net = New-IrisNetwork
        $rows = @($Iris.Train[0]) + [pscustomobject]@{ SepalLength = '5'; Species = 'setosa' }
        { $rows | Invoke-Training -Network $net -LabelProperty Species -Epochs 1 -ErrorAction Stop } | Should -Throw -ErrorId 'BadRecord*'
    }

    It 'writes a line per epoch with -Verbose' {
        $net = New-IrisNetwork
        $out = $Iris.Train | Invoke-Training -Network $net -LabelProperty Species -Epochs 2 -Verbose 4>&1
        $verbose = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
        @($verbose | Where-Object { $_ -like 'Epoch 1/2: loss *accuracy*' }).Count | Should -Be 1
        @($verbose | Where-Object { $_ -like 'Epoch */2: loss *' }).Count | Should -Be 2
        @($out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }).Count | Should -Be 2
    }

    It 'uses the last property as the label when -LabelProperty is not given' {
        $net = New-IrisNetwork
        $null = $Iris.Train | Invoke-Training -Network $net -Epochs 1
        $net.ClassNames | Should -Be 'setosa', 'versicolor', 'virginica'
    }

    It 'trains on hashtables, a regression' {
        $net = New-NeuralNetwork -InputShape 1 | Add-Layer Dense -Units 1
        $rows = 1..64 | ForEach-Object { $x = $_ / 64; @{ X = $x; Y = 3 * $x + 1 } }
        $history = $rows | Invoke-Training -Network $net -LabelProperty Y -Task Regression -Epochs 20 -BatchSize 8 -LearningRate 0.05
        $history[-1].MetricName | Should -Be 'MAE'
        $history[-1].Accuracy | Should -BeNullOrEmpty
        $history[-1].Loss | Should -BeLessThan $history[0].Loss
    }

    It 'trains on a dataset object' {
        $net = New-IrisNetwork
        $history = Get-NeuralDataset -Name Iris | Invoke-Training -Network $net -Epochs 2
        $history.Count | Should -Be 2
    }

    It 'takes the data with -InputObject too' {
        $net = New-IrisNetwork
        $history = Invoke-Training -Network $net -InputObject $Iris.Train -LabelProperty Species -Epochs 1
        $history.Count | Should -Be 1
    }

    It 'validates on -ValidationData rows' {
        $net = New-IrisNetwork
        $history = $Iris.Train | Invoke-Training -Network $net -LabelProperty Species -Epochs 2 -ValidationData $Iris.Test
        $history[-1].ValidationAccuracy | Should -Not -BeNullOrEmpty
    }

    It 'refuses a network with too few outputs, saying what to change' {
        $net = New-NeuralNetwork -InputShape 4 | Add-Layer Dense -Units 2
        { $Iris.Train | Invoke-Training -Network $net -LabelProperty Species -Epochs 1 } | Should -Throw '*-Units 3*'
    }

    It 'refuses to train on nothing' {
        $net = New-IrisNetwork
        { @() | Invoke-Training -Network $net -Epochs 1 } | Should -Throw -ErrorId 'DataFormat,NeuralPS.Cmdlets.InvokeTrainingCmdlet'
    }

    It 'repeats bit for bit with the same seeds' {
        $a = New-IrisNetwork -Seed 5
        $b = New-IrisNetwork -Seed 5
        $ha = $Iris.Train | Invoke-Training -Network $a -LabelProperty Species -Epochs 3 -Seed 9
        $hb = $Iris.Train | Invoke-Training -Network $b -LabelProperty Species -Epochs 3 -Seed 9
        $hb.Loss | Should -Be $ha.Loss
    }
}
