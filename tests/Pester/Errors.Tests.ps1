#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Every error a user can cause: a clear ErrorRecord with a category, an error id and the offending object as
# its target, and nothing changed (the network, the files) by the failed command.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $Iris = Get-IrisSplit
    $Trained = New-IrisNetwork -Seed 4
    $null = $Iris.Train | Invoke-Training -Network $Trained -LabelProperty Species -Epochs 5
}

Describe 'Errors a user can cause' {
    It 'a layer whose input shape does not fit: InvalidArgument on the network, left unchanged' {
        $net = New-NeuralNetwork -InputShape 4 | Add-Layer Dense -Units 3
        $err = { $net | Add-Layer Conv2d -Filters 2 -KernelSize 3 } | Should -Throw -ErrorId 'ShapeMismatch,NeuralPS.Cmdlets.AddLayerCmdlet' -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.TargetObject | Should -Be $net
        $net.Layers.Count | Should -Be 1
    }

    It 'a record it cannot read in Measure-Model: a non-terminating InvalidData error on the record' {
        $bad = [pscustomobject]@{ SepalLength = 'x'; SepalWidth = '3'; PetalLength = '1'; PetalWidth = '0.2'; Species = 'setosa' }
        $report = @($Iris.Test) + $bad | Measure-Model -Network $Trained -ErrorVariable errs -ErrorAction SilentlyContinue
        $report.Count | Should -Be 30
        $errs.Count | Should -Be 1
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $errs[0].TargetObject | Should -Be $bad
        $errs[0].Exception.Message | Should -Match 'SepalLength'
    }

    It 'a record it cannot read in Invoke-Prediction: the others are still predicted' {
        $bad = [pscustomobject]@{ SepalLength = '5.1'; Species = 'setosa' }
        $out = @($Iris.Test[0], $bad, $Iris.Test[1]) | Invoke-Prediction -Network $Trained -ErrorVariable errs -ErrorAction SilentlyContinue
        @($out).Count | Should -Be 2
        $errs.Count | Should -Be 1
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $errs[0].TargetObject | Should -Be $bad
    }

    It 'a label the model does not know: named with the classes it knows' {
        $odd = [pscustomobject]@{ SepalLength = '5.1'; SepalWidth = '3.5'; PetalLength = '1.4'; PetalWidth = '0.2'; Species = 'rose' }
        $null = @($Iris.Test[0], $odd) | Measure-Model -Network $Trained -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 1
        $errs[0].Exception.Message | Should -Match "'rose'"
        $errs[0].Exception.Message | Should -Match 'setosa'
        $errs[0].TargetObject | Should -Be $odd
    }

    It 'a model file that does not exist: ObjectNotFound on the path' {
        $path = Join-Path $TestDrive 'missing.npsm'
        $err = { Import-NeuralNetwork -Path $path } | Should -Throw -PassThru
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        "$($err.TargetObject)" | Should -BeLike '*missing.npsm'
    }

    It 'a model file that is not one: InvalidData on the path, the file left as it was' {
        $path = Join-Path $TestDrive 'notes.npsm'
        Set-Content -Path $path -Value 'these are my notes'
        $err = { Import-NeuralNetwork -Path $path } | Should -Throw -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        "$($err.TargetObject)" | Should -BeLike '*notes.npsm'
        Get-Content -Path $path | Should -Be 'these are my notes'
    }

    It 'a data file that does not exist: ObjectNotFound on the path' {
        $err = { Import-NeuralDataset -Path (Join-Path $TestDrive 'none.csv') } | Should -Throw -PassThru
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        "$($err.TargetObject)" | Should -BeLike '*none.csv'
    }

    It 'a saved file in a folder that does not exist: an error naming the folder, nothing written' {
        $path = Join-Path $TestDrive 'no' 'such' 'm.npsm'
        $err = { $Trained | Save-NeuralNetwork -Path $path } | Should -Throw -PassThru
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -Match 'does not exist'
        Test-Path (Join-Path $TestDrive 'no') | Should -BeFalse
    }

    It 'a bad value for -<Parameter>: refused before any training, naming the parameter' -ForEach @(
        @{ Parameter = 'Epochs'; Value = 0 }
        @{ Parameter = 'BatchSize'; Value = -1 }
        @{ Parameter = 'LearningRate'; Value = -0.5 }
        @{ Parameter = 'ValidationSplit'; Value = 1.5 }
        @{ Parameter = 'Optimizer'; Value = 'Adamm' }
    ) {
        $net = New-IrisNetwork
        $arguments = @{ Network = $net; LabelProperty = 'Species'; $Parameter = $Value }
        $err = { $Iris.Train | Invoke-Training @arguments } | Should -Throw -PassThru
        $err.Exception.Message | Should -Match $Parameter
        $err.CategoryInfo.Category | Should -BeIn 'InvalidArgument', 'InvalidData'
        $net.EpochsTrained | Should -Be 0
    }

    It 'an unknown layer type: refused, listing the types' {
        $err = { New-NeuralNetwork -InputShape 4 | Add-Layer Dense2 -Units 3 } | Should -Throw -PassThru
        $err.Exception.Message | Should -Match 'Dense'
        $err.CategoryInfo.Category | Should -BeIn 'InvalidArgument', 'InvalidData'
    }
}
