#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# A scheduled job as a user runs it: examples/scheduled-training.ps1 in its own pwsh process, killed with
# SIGKILL (Stop-Process -Force) in the middle of epoch 2, then started again with the same command line.
# It must continue from its checkpoint and end with exactly what an uninterrupted run ends with.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $Script = Join-Path $RepoRoot 'examples' 'scheduled-training.ps1'
    # 2048 hidden units make an epoch of the 800-image training part last seconds, long enough to kill
    # the process inside epoch 2; a checkpoint every 10 of its 25 batches lets the resume start mid-epoch.
    $JobArguments = @('-ModulePath', $ModulePath, '-Epochs', '3', '-HiddenUnits', '2048', '-CheckpointEvery', '10')

    function Get-PredictionText([string] $ModelFile) {
        $net = Import-NeuralNetwork -Path $ModelFile
        $test = Import-NeuralDataset (Join-Path $FashionDir 't10k-images-idx3-ubyte.gz') -LabelPath (Join-Path $FashionDir 't10k-labels-idx1-ubyte.gz') -Flatten -ClassNames FashionMNIST
        ($test | Invoke-Prediction -Network $net | ForEach-Object { '{0}:{1:R}' -f $_.PredictedLabel, $_.Probability }) -join ';'
    }

    # Starts the job in a separate pwsh, waits until it reports epoch 1 done, lets it get into epoch 2 and
    # kills it. Returns what it printed before dying.
    function Invoke-KilledJob([string] $OutputPath) {
        $log = Join-Path $TestDrive ('killed-{0}.log' -f [guid]::NewGuid().ToString('N'))
        $arguments = @('-NoProfile', '-NonInteractive', '-File', $Script, '-OutputPath', $OutputPath) + $JobArguments
        $process = Start-Process -FilePath $PwshPath -ArgumentList $arguments -RedirectStandardOutput $log -RedirectStandardError "$log.err" -PassThru
        try {
            $deadline = [DateTime]::UtcNow.AddMinutes(3)
            while (-not ((Test-Path $log) -and (Get-Content -Raw $log) -match 'trained epoch 1/')) {
                if ($process.HasExited) { throw "the job ended before epoch 1 finished (exit $($process.ExitCode)): $(Get-Content -Raw $log) $(Get-Content -Raw "$log.err")" }
                if ([DateTime]::UtcNow -gt $deadline) { throw 'the job did not finish epoch 1 within 3 minutes' }
                Start-Sleep -Milliseconds 50
            }
            Start-Sleep -Milliseconds 400   # into epoch 2
        }
        finally {
            Stop-Process -Id $process.Id -Force -ErrorAction SilentlyContinue   # SIGKILL on Linux and macOS
            $process.WaitForExit()
        }
        Get-Content -Raw $log
    }
}

Describe 'examples/scheduled-training.ps1 killed and run again' {
    It 'continues from its checkpoint and predicts exactly what an uninterrupted run predicts' {
        $uninterrupted = Join-Path $TestDrive 'uninterrupted'
        $run = Invoke-Pwsh -File $Script -ArgumentList (@('-OutputPath', $uninterrupted) + $JobArguments)
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'trained epoch 3/3'

        $killed = Join-Path $TestDrive 'killed'
        $before = Invoke-KilledJob $killed
        $before | Should -Match 'trained epoch 1/'
        $before | Should -Not -Match 'epoch 2/' -Because 'the kill must land inside epoch 2'
        # The newest checkpoint is from inside epoch 2 (every 10 batches) or from epoch 1's end.
        (Import-NeuralNetwork -Path (Join-Path $killed 'checkpoints' 'last.npsc')).EpochsTrained | Should -Be 1

        $again = Invoke-Pwsh -File $Script -ArgumentList (@('-OutputPath', $killed) + $JobArguments)
        $again.ExitCode | Should -Be 0 -Because $again.Output
        $again.Output | Should -Match 'restored epoch 1/3'
        $again.Output | Should -Match 'trained epoch 2/3'
        $again.Output | Should -Match 'trained epoch 3/3'

        Get-PredictionText (Join-Path $killed 'best.npsm') | Should -BeExactly (Get-PredictionText (Join-Path $uninterrupted 'best.npsm'))
        (Get-FileHash (Join-Path $killed 'best.npsm')).Hash | Should -Be (Get-FileHash (Join-Path $uninterrupted 'best.npsm')).Hash
        Test-Path (Join-Path $killed 'report.html') | Should -BeTrue
    }

    It 'exits 2 with a clear message when the data is missing' {
        $run = Invoke-Pwsh -File $Script -ArgumentList @('-ModulePath', $ModulePath, '-OutputPath', (Join-Path $TestDrive 'nodata'), '-DataPath', (Join-Path $TestDrive 'nowhere'))
        $run.ExitCode | Should -Be 2
        $run.Output | Should -Match "data file 'train-images-idx3-ubyte\(\.gz\)' is not in"
    }

    It 'exits 1 naming the difference when the checkpoint is of another network' {
        $out = Join-Path $TestDrive 'other'
        $first = Invoke-Pwsh -File $Script -ArgumentList @('-ModulePath', $ModulePath, '-OutputPath', $out, '-Epochs', '1', '-HiddenUnits', '16')
        $first.ExitCode | Should -Be 0 -Because $first.Output
        $second = Invoke-Pwsh -File $Script -ArgumentList @('-ModulePath', $ModulePath, '-OutputPath', $out, '-Epochs', '1', '-HiddenUnits', '32')
        $second.ExitCode | Should -Be 1
        $second.Output | Should -Match 'written for another network'
        $second.Output | Should -Match 'units=16'
    }
}
