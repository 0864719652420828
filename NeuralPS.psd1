@{
    # The module's own assembly holds only the cmdlets; the engine (NeuralPS.Core, NeuralPS.Cuda) and its
    # libraries live in dependencies/ and load into a module-private AssemblyLoadContext (see README).
    RootModule           = 'NeuralPS.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '3bff99da-c1dc-4a87-963d-ad0f89b279cc'
    Author               = 'NeuralPS contributors'
    CompanyName          = 'NeuralPS'
    Copyright            = '(c) NeuralPS contributors.'
    Description          = 'Build, train, evaluate, save and load neural networks from PowerShell: dense and convolutional layers over a fast managed CPU engine; data from the pipeline, CSV and idx files.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('NeuralPS.format.ps1xml')
    CmdletsToExport      = @(
        'New-NeuralNetwork'
        'Add-Layer'
        'Remove-Layer'
        'Lock-Layer'
        'Unlock-Layer'
        'Invoke-Training'
        'Measure-Model'
        'Invoke-Prediction'
        'Save-NeuralNetwork'
        'Import-NeuralNetwork'
        'Export-NeuralNetwork'
        'Import-NeuralDataset'
        'Get-NeuralDataset'
        'Get-NeuralDevice'
        'Export-TrainingReport'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('NeuralNetwork', 'DeepLearning', 'MachineLearning', 'AI', 'CNN', 'Training', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            LicenseUri   = 'https://opensource.org/license/mit'
            ReleaseNotes = '0.1.0: dense and convolutional networks (Conv2d, pooling, BatchNorm, Residual), SGD/Adam/AdamW/RMSprop, CSV/idx/pipeline data (image rows in CSV feed convolutional networks), versioned checksummed model files. MIT licence (LICENSE in the module folder).'
        }
    }
}
