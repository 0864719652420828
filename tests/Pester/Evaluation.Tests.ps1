#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $Iris = Get-IrisSplit
    $Net = New-IrisNetwork -Seed 1
    $null = $Iris.Train | Invoke-Training -Network $Net -LabelProperty Species -Epochs 60 -BatchSize 16 -LearningRate 0.01
}

Describe 'Measure-Model' {
    It 'reports accuracy, loss, per-class precision/recall/F1 and the confusion matrix' {
        $report = $Iris.Test | Measure-Model -Network $Net
        $report.Task | Should -Be 'Classification'
        $report.Count | Should -Be 30
        $report.Accuracy | Should -BeGreaterThan 0.85
        $report.Loss | Should -BeGreaterThan 0
        $report.Classes.Class | Should -Be 'setosa', 'versicolor', 'virginica'
        $report.Classes[0].PSObject.Properties.Name | Should -Contain 'F1'
        $report.Precision['setosa'] | Should -BeGreaterThan 0.5
        $report.Recall['virginica'] | Should -BeGreaterThan 0
        $report.F1.Count | Should -Be 3
        $counts = $report.ConfusionMatrix.ToArray()
        $total = 0
        foreach ($a in 0..2) { foreach ($p in 0..2) { $total += $counts[$a, $p] } }
        $total | Should -Be 30
        $report.ConfusionMatrix.Rows.Actual | Should -Be 'setosa', 'versicolor', 'virginica'
        ($report | Out-String) | Should -Match 'Confusion matrix'
    }

    It 'measures a dataset object' {
        (Get-NeuralDataset -Name Iris | Measure-Model -Network $Net).Count | Should -Be 150
    }

    It 'reports a row whose label the model does not know and measures the rest' {
        $rose = [pscustomobject]@{ SepalLength = '5'; SepalWidth = '3'; PetalLength = '1'; PetalWidth = '0.2'; Species = 'rose' }
        $report = @($Iris.Test) + $rose | Measure-Model -Network $Net -ErrorVariable errs -ErrorAction SilentlyContinue
        $report.Count | Should -Be 30
        $errs.Count | Should -Be 1
        $errs[0].Exception.Message | Should -Match 'rose'
    }

    It 'reports MAE, RMSE and R2 for a regression model' {
        $reg = New-NeuralNetwork -InputShape 1 | Add-Layer Dense -Units 1
        $rows = 1..64 | ForEach-Object { [pscustomobject]@{ X = $_ / 64; Y = 2 * $_ / 64 } }
        $null = $rows | Invoke-Training -Network $reg -LabelProperty Y -Task Regression -Epochs 30 -BatchSize 8 -LearningRate 0.05
        $report = $rows | Measure-Model -Network $reg
        $report.Task | Should -Be 'Regression'
        $report.MAE | Should -BeGreaterOrEqual 0
        $report.RMSE | Should -BeGreaterOrEqual $report.MAE
        $report.R2 | Should -BeLessOrEqual 1
    }
}

Describe 'Invoke-Prediction' {
    It 'adds PredictedLabel and Probability to each input object' {
        $out = $Iris.Test | Invoke-Prediction -Network $Net
        $out.Count | Should -Be 30
        $out[0].Species | Should -Be 'setosa'
        $out[0].PredictedLabel | Should -BeIn 'setosa', 'versicolor', 'virginica'
        $out[0].Probability | Should -BeGreaterThan 0.33
        $out[0].Probability | Should -BeLessOrEqual 1
        @($out | Where-Object { $_.Species -eq $_.PredictedLabel }).Count | Should -BeGreaterOrEqual 27
    }

    It 'keeps the input object itself' {
        $row = [pscustomobject]@{ SepalLength = '5.1'; SepalWidth = '3.5'; PetalLength = '1.4'; PetalWidth = '0.2' }
        $out = $row | Invoke-Prediction -Network $Net
        $row.PredictedLabel | Should -Be $out.PredictedLabel
        $out.SepalLength | Should -Be '5.1'
    }

    It 'turns a hashtable into an object with its keys and the prediction' {
        $out = @{ SepalLength = 6.7; SepalWidth = 3.0; PetalLength = 5.2; PetalWidth = 2.3 } | Invoke-Prediction -Network $Net -IncludeProbabilities
        $out.PetalWidth | Should -Be 2.3
        $out.PredictedLabel | Should -Be 'virginica'
        $out.Probabilities.Count | Should -Be 3
    }

    It 'writes one object per sample for a dataset' {
        $out = Get-NeuralDataset -Name Iris | Invoke-Prediction -Network $Net
        $out.Count | Should -Be 150
        $out[0].Index | Should -Be 0
        $out[0].ActualLabel | Should -Be 'setosa'
    }

    It 'reports a record without the features as a non-terminating error' {
        $out = @([pscustomobject]@{ Colour = 'red' }) + $Iris.Test[0] | Invoke-Prediction -Network $Net -ErrorVariable errs -ErrorAction SilentlyContinue
        @($out).Count | Should -Be 1
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'BadRecord,NeuralPS.Cmdlets.InvokePredictionCmdlet'
        $errs[0].TargetObject.Colour | Should -Be 'red'
    }

    It 'adds PredictedValue for a regression model' {
        $reg = New-NeuralNetwork -InputShape 1 | Add-Layer Dense -Units 1
        $null = 1..32 | ForEach-Object { [pscustomobject]@{ X = $_; Y = $_ * 1.5 } } | Invoke-Training -Network $reg -LabelProperty Y -Task Regression -Epochs 5
        $out = [pscustomobject]@{ X = 3 } | Invoke-Prediction -Network $reg
        $out.PredictedValue | Should -BeOfType [double]
    }
}
