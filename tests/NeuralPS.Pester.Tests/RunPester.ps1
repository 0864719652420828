# Runs (or only discovers) the Pester tests in tests/Pester and writes one JSON object per test to
# -OutFile: File, Template ("Describe > Context > It" as written), Path (the same with <name> data
# expanded), Skip (It -Skip, known at discovery), Result, Message, DurationMs. Template plus occurrence identifies a test across discovery and run.
# Called by PesterSuite.cs in a separate pwsh process; also usable by hand:
#   pwsh tests/NeuralPS.Pester.Tests/RunPester.ps1 -Mode Run -TestsDir tests/Pester -PesterDir <...> -OutFile r.json
param(
    [Parameter(Mandatory)] [ValidateSet('Discover', 'Run')] [string] $Mode,
    [Parameter(Mandatory)] [string] $TestsDir,
    [Parameter(Mandatory)] [string] $PesterDir,
    [Parameter(Mandatory)] [string] $OutFile
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PesterDir 'Pester.psd1') -Force

$c = New-PesterConfiguration
$c.Run.Path = $TestsDir
$c.Run.PassThru = $true
$c.Run.SkipRun = ($Mode -eq 'Discover')
$c.Output.Verbosity = if ($Mode -eq 'Run') { 'Detailed' } else { 'None' }
$c.Should.ErrorAction = 'Stop'
$result = Invoke-Pester -Configuration $c

function Get-ErrorText($records) {
    @($records | ForEach-Object {
        $message = if ($_.PSObject.Properties['DisplayErrorMessage'] -and $_.DisplayErrorMessage) { $_.DisplayErrorMessage } else { $_.Exception.Message }
        $where = if ($_.PSObject.Properties['DisplayStackTrace'] -and $_.DisplayStackTrace) { $_.DisplayStackTrace } else { $_.ScriptStackTrace }
        "$message`n$where".Trim()
    }) -join "`n"
}

$root = (Resolve-Path $TestsDir).Path
$rows = [System.Collections.Generic.List[object]]::new()
foreach ($container in $result.Containers) {
    $file = [IO.Path]::GetRelativePath($root, $container.Item.FullName)
    if ($container.Result -eq 'Failed' -and $container.ErrorRecord.Count -gt 0) {
        # A file that fails to load or discover still counts, as one failed test named after the file.
        $rows.Add([pscustomobject]@{ File = $file; Template = '(discovery)'; Path = '(discovery)'; Skip = $false; Result = 'Failed'; Message = Get-ErrorText $container.ErrorRecord; DurationMs = 0 })
    }
}
# Pester expands "<Name>" and "<_>" from a test's data only when it runs; discovery does it here the same way.
function Expand-Name([string] $name, $data) {
    if ($null -eq $data) { return $name }
    [regex]::Replace($name, '<([^<>\s]+)>', {
        param($m)
        $token = $m.Groups[1].Value
        if ($data -is [System.Collections.IDictionary]) {
            if ($data.Contains($token)) { return "$($data[$token])" }
            if ($token -eq '_' -and $data.Contains('_')) { return "$($data['_'])" }
            return $m.Value
        }
        if ($token -eq '_') { return "$data" }
        $m.Value
    })
}

foreach ($test in $result.Tests) {
    $templates = [System.Collections.Generic.List[string]]::new()
    $names = [System.Collections.Generic.List[string]]::new()
    $block = $test.Block
    while ($block -and -not $block.IsRoot) {
        $templates.Insert(0, $block.Name)
        $names.Insert(0, (Expand-Name $block.Name $block.Data))
        $block = $block.Parent
    }
    $templates.Add($test.Name)
    $names.Add((Expand-Name $test.Name $test.Data))
    $file = [IO.Path]::GetRelativePath($root, $test.ScriptBlock.File)
    # A failed BeforeAll/AfterAll fails the tests of its block with the error on the block (or container).
    $errors = @($test.ErrorRecord)
    $owner = $test.Block
    while ($errors.Count -eq 0 -and "$($test.Result)" -eq 'Failed' -and $owner) {
        $errors = @($owner.ErrorRecord)
        $owner = $owner.Parent
    }
    if ($errors.Count -eq 0 -and "$($test.Result)" -eq 'Failed') { $errors = @($test.Block.Root.ErrorRecord) + @($result.Containers | Where-Object { $_.Item.FullName -eq $test.ScriptBlock.File } | ForEach-Object ErrorRecord) }
    $rows.Add([pscustomobject]@{
        File       = $file
        Template   = $templates -join ' > '
        Path       = $names -join ' > '
        Skip       = [bool]$test.Skip
        Result     = "$($test.Result)"
        Message    = Get-ErrorText $errors
        DurationMs = [int]$test.Duration.TotalMilliseconds
    })
}
ConvertTo-Json -InputObject @($rows) -Depth 3 | Set-Content -LiteralPath $OutFile -Encoding utf8
