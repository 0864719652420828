#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
}

Describe 'New-NeuralNetwork' {
    It 'creates an empty network with a name, an input shape and a seed' {
        $net = New-NeuralNetwork -Name demo -InputShape 1, 28, 28 -Seed 7
        $net.Name | Should -Be 'demo'
        $net.InputShape.ToString() | Should -Be '(1, 28, 28)'
        $net.Seed | Should -Be 7
        $net.Layers.Count | Should -Be 0
    }

    It 'takes the name by position' {
        (New-NeuralNetwork iris -InputShape 4).Name | Should -Be 'iris'
    }

    It 'refuses a non-positive input shape' {
        # Refused at binding (ValidateRange on each dimension), before the cmdlet runs.
        { New-NeuralNetwork -InputShape 4, 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,NeuralPS.Cmdlets.NewNeuralNetworkCmdlet'
    }
}

Describe 'Add-Layer' {
    It 'chains in one pipeline and writes the same network' {
        $net = New-NeuralNetwork -InputShape 4 | Add-Layer Dense -Units 16 -Activation ReLU | Add-Layer Dense -Units 3
        $net.Layers.Count | Should -Be 2
        $net.OutputShape.ToString() | Should -Be '(3,)'
        $net.ParameterCount | Should -Be 131
        $net.Layers[0].Name | Should -Be 'dense_1'
    }

    It 'changes the network it was given' {
        $net = New-NeuralNetwork -InputShape 4
        $null = $net | Add-Layer Dense -Units 2
        Add-Layer Dense -Units 1 -Network $net | Out-Null
        $net.Layers.Count | Should -Be 2
    }

    It 'refuses a shape mismatch naming both shapes and leaves the network unchanged' {
        $net = New-NeuralNetwork -InputShape 1, 28, 28
        $err = { $net | Add-Layer Dense -Units 10 } | Should -Throw -ErrorId 'ShapeMismatch,NeuralPS.Cmdlets.AddLayerCmdlet' -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match '\(1, 28, 28\)'
        $err.TargetObject | Should -Be $net
        $net.Layers.Count | Should -Be 0
    }

    It 'refuses a kernel that does not fit the image' {
        $net = New-NeuralNetwork -InputShape 1, 3, 3
        { $net | Add-Layer Conv2d -Filters 4 -KernelSize 5 } | Should -Throw -ErrorId 'ShapeMismatch,NeuralPS.Cmdlets.AddLayerCmdlet'
    }

    It 'refuses a parameter the layer type does not take, saying what it takes' {
        { New-NeuralNetwork -InputShape 4 | Add-Layer Dense -Units 3 -Filters 2 } | Should -Throw '*-Filters*-Units*'
    }

    It 'refuses an unknown layer type before running' {
        { New-NeuralNetwork -InputShape 4 | Add-Layer Transformer -Units 3 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,NeuralPS.Cmdlets.AddLayerCmdlet'
    }

    It 'accepts -Padding as <Padding> giving <Shape>' -ForEach @(
        @{ Padding = 'Same'; Shape = '(4, 28, 28)' }
        @{ Padding = 'valid'; Shape = '(4, 26, 26)' }
        @{ Padding = 1; Shape = '(4, 28, 28)' }
        @{ Padding = @(1, 0); Shape = '(4, 28, 26)' }
    ) {
        $net = New-NeuralNetwork -InputShape 1, 28, 28 | Add-Layer Conv2d -Filters 4 -KernelSize 3 -Padding $Padding
        $net.OutputShape.ToString() | Should -Be $Shape
    }

    It 'builds the seed CNN of issue 4' {
        $cnn = New-NeuralNetwork -InputShape 1, 28, 28 |
            Add-Layer Conv2d -Filters 32 -KernelSize 3 -Activation ReLU |
            Add-Layer MaxPool2d -PoolSize 2 |
            Add-Layer Conv2d -Filters 64 -KernelSize 3 -Activation ReLU |
            Add-Layer MaxPool2d -PoolSize 2 |
            Add-Layer Dropout -Rate 0.25 |
            Add-Layer Flatten |
            Add-Layer Dense -Units 128 -Activation ReLU |
            Add-Layer Dropout -Rate 0.5 |
            Add-Layer Dense -Units 10
        $cnn.Layers.Count | Should -Be 9
        $cnn.OutputShape.ToString() | Should -Be '(10,)'
        $cnn.ParameterCount | Should -Be 225034
        $cnn.Layers.Type | Should -Be 'Conv2d', 'MaxPool2d', 'Conv2d', 'MaxPool2d', 'Dropout', 'Flatten', 'Dense', 'Dropout', 'Dense'
    }

    It 'builds BatchNorm, pooling and GlobalAvgPool2d layers' {
        $net = New-NeuralNetwork -InputShape 3, 16, 16 |
            Add-Layer Conv2d -Filters 8 -KernelSize 3 -Padding Same -NoBias |
            Add-Layer BatchNorm -Momentum 0.1 -Epsilon 1e-5 |
            Add-Layer Activation -Activation ReLU |
            Add-Layer AvgPool2d -KernelSize 2 |
            Add-Layer Dropout2d -Rate 0.1 |
            Add-Layer GlobalAvgPool2d
        $net.Layers[3].OutputShape.ToString() | Should -Be '(8, 8, 8)'
        $net.OutputShape.Size | Should -Be 8
    }

    It 'builds a Residual block from a script block of Add-Layer commands' {
        $net = New-NeuralNetwork -InputShape 8, 16, 16 | Add-Layer Residual -Name block1 -Layers {
            Add-Layer Conv2d -Filters 16 -KernelSize 3 -Padding Same -Stride 2 -NoBias
            Add-Layer BatchNorm
            Add-Layer Activation -Activation ReLU
        }
        $net.Layers.Count | Should -Be 1
        $net.Layers[0].Type | Should -Be 'Residual'
        $net.Layers[0].Name | Should -Be 'block1'
        $net.OutputShape.ToString() | Should -Be '(16, 8, 8)'
    }

    It 'accepts a piped chain inside a Residual block' {
        $net = New-NeuralNetwork -InputShape 4, 8, 8 | Add-Layer Residual -Layers {
            Add-Layer Conv2d -Filters 4 -KernelSize 3 -Padding Same | Add-Layer BatchNorm
        }
        $net.OutputShape.ToString() | Should -Be '(4, 8, 8)'
    }

    It 'writes a layer description when there is no network' {
        $spec = Add-Layer Dense -Units 3 -Activation Softmax
        $spec.Type | Should -Be 'Dense'
        $spec.Settings['units'] | Should -Be 3
        $spec.Settings['activation'] | Should -Be 'Softmax'
    }
}
