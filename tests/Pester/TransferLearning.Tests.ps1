#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')

    function Get-Weights($layer) { , [float[]]@($layer.Parameters | ForEach-Object { $_.Value.ToArray() }) }

    function Test-Same([float[]] $a, [float[]] $b) { [Linq.Enumerable]::SequenceEqual($a, $b) }
}

Describe 'Lock-Layer and Unlock-Layer' {
    It 'freezes layers by name, wildcard, index and all, and writes the same network' {
        $net = New-NeuralNetwork -InputShape 4 | Add-Layer Dense -Units 8 -Name conv1 | Add-Layer Dense -Units 8 -Name conv2 | Add-Layer Dense -Units 3 -Name head
        $out = $net | Lock-Layer -Name conv1
        $out | Should -Be $net
        @($net.Layers | Where-Object Frozen | ForEach-Object Name) | Should -Be @('conv1')
        $null = $net | Lock-Layer conv*
        @($net.Layers | Where-Object Frozen | ForEach-Object Name) | Should -Be @('conv1', 'conv2')
        $null = $net | Unlock-Layer -Index 0, -2
        @($net.Layers | Where-Object Frozen).Count | Should -Be 0
        $null = $net | Lock-Layer -Index -1
        $net.Layers[2].Frozen | Should -BeTrue
        $null = $net | Lock-Layer -All
        @($net.Layers | Where-Object Frozen).Count | Should -Be 3
        $null = Unlock-Layer -Network $net -All
        @($net.Layers | Where-Object Frozen).Count | Should -Be 0
    }

    It 'refuses an unknown layer name with an ObjectNotFound error naming it and changes nothing' {
        $net = New-NeuralNetwork -InputShape 4 | Add-Layer Dense -Units 8 -Name conv1 | Add-Layer Dense -Units 3
        $err = { $net | Lock-Layer -Name conv1, nope } | Should -Throw -ErrorId 'LayerNotFound,NeuralPS.Cmdlets.LockLayerCmdlet' -PassThru
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.TargetObject | Should -Be 'nope'
        $err.Exception.Message | Should -Match 'conv1, dense_1'
        $net.Layers[0].Frozen | Should -BeFalse
    }

    It 'refuses an index the network does not have, naming it' {
        $net = New-NeuralNetwork -InputShape 4 | Add-Layer Dense -Units 3
        $err = { $net | Unlock-Layer -Index 7 } | Should -Throw -ErrorId 'LayerNotFound,NeuralPS.Cmdlets.UnlockLayerCmdlet' -PassThru
        $err.TargetObject | Should -Be 7
    }

    It 'shows frozen layers in the network view and keeps them through a save and a load' {
        $net = New-NeuralNetwork -InputShape 4 | Add-Layer Dense -Units 8 -Name base | Add-Layer Dense -Units 3 -Name head | Lock-Layer -Name base
        $text = $net | Out-String
        $text | Should -Match 'Frozen'
        $text | Should -Match 'trainable 27, frozen 40'
        $path = Join-Path $TestDrive 'frozen.npsm'
        $net | Save-NeuralNetwork -Path $path
        $copy = Import-NeuralNetwork -Path $path
        @($copy.Layers | ForEach-Object Frozen) | Should -Be @($true, $false)
    }
}

Describe 'Remove-Layer' {
    It 'drops the head and a new head follows in the pipeline' {
        $net = New-IrisNetwork
        $out = $net | Remove-Layer -Last 1 | Add-Layer Dense -Units 5 -Name head
        $out | Should -Be $net
        $net.Layers.Count | Should -Be 2
        $net.OutputShape.ToString() | Should -Be '(5,)'
        $net.Layers[1].Name | Should -Be 'head'
    }

    It 'refuses to remove more layers than the network has' {
        $net = New-IrisNetwork
        $err = { $net | Remove-Layer -Last 3 } | Should -Throw -ErrorId 'InvalidConfiguration,NeuralPS.Cmdlets.RemoveLayerCmdlet' -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.TargetObject | Should -Be $net
        $net.Layers.Count | Should -Be 2
    }
}

Describe 'Transfer learning from the shell' {
    It 'fine-tunes a new head while the frozen layers stay bit-identical' {
        $iris = Get-IrisSplit
        $net = New-IrisNetwork -Seed 3
        $null = $iris.Train | Invoke-Training -Network $net -LabelProperty Species -Epochs 60 -LearningRate 0.01 -Seed 1
        $base = Get-Weights $net.Layers[0]
        $null = $net | Lock-Layer -All | Remove-Layer -Last 1 | Add-Layer Dense -Units 3 -Name head
        $head = Get-Weights $net.Layers[1]
        $history = @($iris.Train | Invoke-Training -Network $net -LabelProperty Species -Epochs 40 -LearningRate 0.01 -Seed 2 -Optimizer Adam)
        $history.Count | Should -Be 40
        Test-Same (Get-Weights $net.Layers[0]) $base | Should -BeTrue
        Test-Same (Get-Weights $net.Layers[1]) $head | Should -BeFalse
        ($iris.Test | Measure-Model -Network $net).Accuracy | Should -BeGreaterThan 0.8
    }

    It 'gives a new head of another size the classes of the new records, and keeps them through a save' {
        $iris = Get-IrisSplit
        $net = New-IrisNetwork -Seed 3
        $null = $iris.Train | Invoke-Training -Network $net -LabelProperty Species -Epochs 40 -LearningRate 0.01 -Seed 1
        @($net.ClassNames) | Should -Be @('setosa', 'versicolor', 'virginica')
        # The same flowers, relabelled into two kinds: a 2-unit head on the frozen body.
        $twoKinds = { $_ | Select-Object * -ExcludeProperty Species | Select-Object *, @{ n = 'Kind'; e = { if ($_.PetalLength -as [double] -lt 2.5) { 'small' } else { 'large' } } } }
        $train = @($iris.Train | ForEach-Object { & $twoKinds })
        $null = $net | Lock-Layer -All | Remove-Layer -Last 1 | Add-Layer Dense -Units 2 -Name head
        $verbose = $train | Invoke-Training -Network $net -LabelProperty Kind -Epochs 30 -LearningRate 0.05 -Seed 2 -Verbose 4>&1 | Where-Object { $_ -is [Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match 'output layer was replaced'
        @($net.ClassNames) | Should -Be @('large', 'small')
        $test = @($iris.Test | ForEach-Object { & $twoKinds })
        $predictions = @($test | Invoke-Prediction -Network $net)
        @($predictions.PredictedLabel | Sort-Object -Unique) | Should -Be @('large', 'small')
        ($test | Measure-Model -Network $net -LabelProperty Kind).Accuracy | Should -BeGreaterThan 0.9
        $path = Join-Path $TestDrive 'two-kinds.npsm'
        $net | Save-NeuralNetwork -Path $path
        @((Import-NeuralNetwork -Path $path).ClassNames) | Should -Be @('large', 'small')
    }

    It 'refuses a new head with fewer outputs than the new classes, before changing anything' {
        $iris = Get-IrisSplit
        $net = New-IrisNetwork -Seed 3
        $null = $iris.Train | Invoke-Training -Network $net -LabelProperty Species -Epochs 5 -Seed 1
        $null = $net | Remove-Layer -Last 1 | Add-Layer Dense -Units 2 -Name head
        $head = Get-Weights $net.Layers[1]
        $err = { $iris.Train | Invoke-Training -Network $net -LabelProperty Species -Epochs 1 } | Should -Throw -PassThru
        $err.Exception.Message | Should -Match '2 units.*3 classes'
        @($net.ClassNames) | Should -Be @('setosa', 'versicolor', 'virginica')
        Test-Same (Get-Weights $net.Layers[1]) $head | Should -BeTrue
    }

    It 'refuses to train a network whose every layer is frozen' {
        $net = New-IrisNetwork | Lock-Layer -All
        { Get-IrisSplit | ForEach-Object Train | Invoke-Training -Network $net -LabelProperty Species -Epochs 1 } | Should -Throw '*frozen*'
    }
}

Describe 'Add-Layer activations' {
    It 'offers the exact GELU by default, the tanh form by name, and the PyTorch activations' {
        $net = New-NeuralNetwork -InputShape 4 | Add-Layer Dense -Units 4 -Activation GELU | Add-Layer Dense -Units 4 -Activation GeluTanh |
            Add-Layer Dense -Units 4 -Activation Swish | Add-Layer Activation -Activation ELU -Alpha 0.5 |
            Add-Layer Activation -Activation Softplus -Beta 2 -Threshold 5 | Add-Layer Activation -Activation HardSwish
        @($net.Layers[0..2] | ForEach-Object { "$($_.Activation)" }) | Should -Be @('GELU', 'GELUTanh', 'SiLU')
        $net.Layers[3].Alpha | Should -Be 0.5
        $net.Layers[4].Beta | Should -Be 2
        $net.Layers[4].Threshold | Should -Be 5
        "$($net.Layers[5].Kind)" | Should -Be 'HardSwish'
    }

    It 'takes Softmax over a chosen axis' {
        $net = New-NeuralNetwork -InputShape 3, 2, 2 | Add-Layer Activation -Activation Softmax -Axis 1
        $net.Layers[0].Axis | Should -Be 1
        $net.Layers[0].Details | Should -Be 'Softmax (axis 1)'
    }

    It 'refuses a Softmax axis the input does not have, and -Beta without Softplus' {
        { New-NeuralNetwork -InputShape 3 | Add-Layer Activation -Activation Softmax -Axis 2 } | Should -Throw -ErrorId 'ShapeMismatch,NeuralPS.Cmdlets.AddLayerCmdlet'
        { New-NeuralNetwork -InputShape 3 | Add-Layer Activation -Activation ReLU -Beta 2 } | Should -Throw '*Softplus*'
    }
}
