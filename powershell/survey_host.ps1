#Requires -Version 5.1
# Copyright: (c) 2026, hyperv.dda contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
<#
.SYNOPSIS
Read a Hyper-V host for Discrete Device Assignment in one run.

.DESCRIPTION
Returns in $Ansible.Result what the cmdlets returned (reads 'hyperv.dda.host-reads/1'), flat: the host,
the PnP storage controllers and their properties, the host's storage (parts/host_reads.ps1), what earlier
runs of the collection recorded, which run holds the host's lease (parts/lease.ps1), the devices away from the
host, and the VMs with what DDA depends on.
It decides nothing: the controller joins these records into a hyperv.dda.snapshot/v1 document and applies
the collection's rules (plugins/plugin_utils/host_reads.py; docs/host_reads.md lists every read). A read
that a safety rule rests on comes back whole, or as failed; never as part of an answer. Read-only: it
changes nothing and runs under --check.

With -Scoped, it reads per device and per VM only what one task names: the VMs named by -VMName (and
the VM that holds a named device away from the host), and the resources of the controllers the selectors
name (-LocationPath, -InstanceId, -SerialNumber). Reads of the whole host (storage, controllers, every
VM's hard disk drives) stay whole: they cost one call each whatever the size of the host.

Windows PowerShell 5.1 rules followed here: every list is built with @() into a variable or directly as
a hashtable value (never as the output of a statement used as a value, which unrolls it), every enum is
cast to its name, and every read is made with -ErrorAction Stop (Read-Rows).
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [bool]$Scoped = $false,
    [string[]]$VMName = @(),
    [string[]]$LocationPath = @(),
    # Compared as the collection compares them: upper case, PCIP\ read as PCI\.
    [string[]]$InstanceId = @(),
    # Compared as the collection compares them: trimmed, trailing dots dropped, any case.
    [string[]]$SerialNumber = @()
)

$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false

$deviceKeys = @('DEVPKEY_Device_LocationPaths', 'DEVPKEY_PciDevice_DeviceType', 'DEVPKEY_PciDevice_AcsCompatibleUpHierarchy', 'DEVPKEY_PciDevice_RequiresReservedMemoryRegion')

# hyperv.dda include: host_reads.ps1
# hyperv.dda include: lease.ps1

function Get-Listing {
    # The subkeys of one of the collection's record keys (HKLM:\SOFTWARE\hyperv.dda\...), each as $Row makes it.
    # A key that does not exist yet holds no records: Test-Path tells that apart from a listing that fails.
    param([string]$Root, [scriptblock]$Row)
    if (-not (Test-Path -LiteralPath $Root)) { return ,@() }
    ,@(Get-ChildItem -LiteralPath $Root -ErrorAction Stop | ForEach-Object $Row)
}

function Test-Named {
    # Whether a scoped survey reads this device's resources, or looks for the VM holding it: a first cut by the
    # task's selectors. The controller decides among what is reported (plugin_utils/host_reads.py _Scope).
    # Location paths compare case-sensitively, as Hyper-V's.
    param([string]$Id, [string[]]$Paths, [object[]]$Serials)
    if (@($Paths | Where-Object { $LocationPath -ccontains $_ }).Count -gt 0) { return $true }
    if ($InstanceId -contains ($Id -replace '^PCIP\\', 'PCI\').ToUpperInvariant()) { return $true }
    foreach ($serial in @($Serials | Where-Object { $_ })) {
        if ($SerialNumber -contains ([string]$serial).Trim().TrimEnd([char[]]@('.', ' '))) { return $true }
    }
    $false
}

function Get-AssignmentRows {
    # What Get-VMAssignableDevice lists for these VMs (one call, the VMs from the pipeline).
    param([object[]]$Of)
    if ($Of.Count -eq 0) { return ,@() }
    ,@($Of | Get-VMAssignableDevice | ForEach-Object { @{ VMId = [string]$_.VMId; LocationPath = [string]$_.LocationPath; InstanceID = [string]$_.InstanceID } })
}

function Get-VMIdList {
    # The VMs' Ids, sorted, as one text: what tells that a VM came or went.
    param([object[]]$VMs)
    (@($VMs | ForEach-Object { [string]$_.Id }) | Sort-Object) -join ','
}

function Get-HostReads {
    # --- the host ------------------------------------------------------------------------------------
    $os = Get-CimInstance -ClassName Win32_OperatingSystem
    $vmHost = Get-VMHost
    $reasons = @($vmHost.IovSupportReasons | ForEach-Object { [string]$_ })

    # --- what earlier runs of the collection recorded on the host --------------------------------------
    # Device identities and MMIO needs (dismount_device.ps1, set_pnp_device.ps1) and unfinished returns
    # (mount_device.ps1), VMs owed a start (set_vm_power.ps1), VM settings as they were before the collection changed
    # them (parts/remembered_settings.ps1). Values are read with the .NET RegistryKey the listing returns, so that
    # reading every record costs one cmdlet call; GetValue answers $null for a value the key does not hold, which
    # [string] makes ''.
    $deviceRecords = Get-Listing -Root 'HKLM:\SOFTWARE\hyperv.dda\Devices' -Row { @{ Name = [string]$_.PSChildName; InstanceId = [string]$_.GetValue('InstanceId'); FriendlyName = [string]$_.GetValue('FriendlyName'); Class = [string]$_.GetValue('Class'); Service = [string]$_.GetValue('Service'); Disks = [string]$_.GetValue('Disks'); MmioMb = [string]$_.GetValue('MmioMb'); ReturnPending = [string]$_.GetValue('ReturnPending') } }
    $pendingRecords = Get-Listing -Root 'HKLM:\SOFTWARE\hyperv.dda\RestartPending' -Row { @{ Name = [string]$_.PSChildName } }
    $settingsRecords = Get-Listing -Root 'HKLM:\SOFTWARE\hyperv.dda\VMs' -Row { @{ Name = [string]$_.PSChildName; AutomaticStopAction = [string]$_.GetValue('AutomaticStopAction'); DynamicMemoryEnabled = [string]$_.GetValue('DynamicMemoryEnabled'); MemoryStartupBytes = [string]$_.GetValue('MemoryStartupBytes'); AutomaticStopActionSet = [string]$_.GetValue('AutomaticStopActionSet'); DynamicMemoryEnabledSet = [string]$_.GetValue('DynamicMemoryEnabledSet'); MemoryStartupBytesSet = [string]$_.GetValue('MemoryStartupBytesSet') } }

    # --- the host's lease (parts/lease.ps1): which run of the collection holds it, if any -----------------
    # Read without its mutex, so that a survey never waits: the record is one value, read whole. Its token stays on
    # the host. The host's time tells the controller whether the holder's time has run out.
    $lease = Read-Rows { $key = [Microsoft.Win32.Registry]::LocalMachine.OpenSubKey('SOFTWARE\hyperv.dda\Lease'); try { Get-LeaseView -Record (Read-LeaseRecord -Key $key) } finally { if ($null -ne $key) { $key.Close() } } }
    $clock = [DateTime]::UtcNow.Ticks

    # --- storage controllers, their properties, and the host's storage ---------------------------------
    $allVms = @(Get-VM)
    $script:listedIds = Get-VMIdList -VMs $allVms
    $storage = Read-Storage -VMs $allVms
    # -Class filters: a host without SCSI adapters answers ObjectNotFound, which means none.
    $controllers = Read-Rows -NotFoundIsEmpty { Get-PnpDevice -PresentOnly -Class SCSIAdapter -ErrorAction Stop }
    $controllerIds = @($controllers.rows | ForEach-Object { [string]$_.InstanceId })
    $properties = Read-Rows { if ($controllerIds.Count -gt 0) { Get-PnpDeviceProperty -InstanceId $controllerIds -KeyName $deviceKeys -ErrorAction Stop -WhatIf:$false | ForEach-Object { @{ InstanceId = Get-PropertyDevice -Property $_; KeyName = [string]$_.KeyName; Type = [string]$_.Type; Data = $_.Data } } } }
    $controllerRows = @($controllers.rows | ForEach-Object { @{ InstanceId = [string]$_.InstanceId; FriendlyName = [string]$_.FriendlyName; Class = [string]$_.Class; Service = [string]$_.Service; CompatibleID = @($_.CompatibleID | ForEach-Object { [string]$_ }); ConfigManagerErrorCode = [int]$_.ConfigManagerErrorCode } })
    $controllerRead = @{ ok = $controllers.ok; error = $controllers.error; rows = $controllerRows }

    # --- VMs: the named ones when scoped, and what is assigned to them ---------------------------------
    $vms = $allVms
    if ($Scoped) {
        $vms = @($allVms | Where-Object { $name = [string]$_.Name; @($VMName | Where-Object { [string]::Equals($_, $name, [StringComparison]::OrdinalIgnoreCase) }).Count -gt 0 })
    }
    $assignments = Get-AssignmentRows -Of $vms
    $hostAssignable = @(Get-VMHostAssignableDevice | ForEach-Object { @{ LocationPath = [string]$_.LocationPath; InstanceID = [string]$_.InstanceID } })

    # --- scoped: the devices named, and the VM holding a named device that is away -----------------------
    $resourceIds = $controllerIds
    if ($Scoped) {
        # The serial numbers of each controller's disks, for the first cut only (the rules join them again).
        $adapterSerials = @{}
        foreach ($physical in @($storage.physical_disks.rows)) { $adapterSerials[$physical.UniqueId] = $physical.AdapterSerialNumber }
        $serialsByNumber = @{}
        foreach ($disk in @($storage.disks.rows)) { $serialsByNumber[[string]$disk.Number] = @($disk.SerialNumber, $adapterSerials[$disk.UniqueId]) }
        $parentOf = @{}
        foreach ($parent in @($storage.drive_parents.rows)) { $parentOf[$parent.InstanceId.ToUpper()] = $parent.Data.ToUpper() }
        $pathsOf = @{}
        foreach ($property in @($properties.rows | Where-Object { $_.KeyName -eq 'DEVPKEY_Device_LocationPaths' })) { $pathsOf[$property.InstanceId.ToUpper()] = @($property.Data) }
        $resourceIds = @($controllerIds | Where-Object {
            $id = $_.ToUpper()
            $serials = @($storage.disk_drives.rows | Where-Object { $parentOf[$_.PNPDeviceID.ToUpper()] -eq $id } | ForEach-Object { $serialsByNumber[[string]$_.Index] })
            Test-Named -Id $_ -Paths $pathsOf[$id] -Serials $serials
        })
        $heldPaths = @($assignments | ForEach-Object { $_.LocationPath })
        $unheld = @($hostAssignable | Where-Object {
            $path = $_.LocationPath
            $record = @($deviceRecords | Where-Object { $_.Name -ceq $path }) | Select-Object -First 1
            $serials = @()
            # @((...)): Windows PowerShell 5.1 emits a JSON array as one object (PowerShell/PowerShell#3424).
            if ($record -and $record.Disks) { $serials = @(@((ConvertFrom-Json -InputObject $record.Disks)) | ForEach-Object { $_.serial_number; $_.adapter_serial_number }) }
            ($heldPaths -cnotcontains $_.LocationPath) -and (Test-Named -Id $_.InstanceID -Paths @($_.LocationPath) -Serials $serials)
        })
        if ($unheld.Count -gt 0) {
            # A named device is away and none of the named VMs holds it: which VM does, if any?
            $others = @($allVms | Where-Object { $vms -notcontains $_ })
            $otherAssignments = Get-AssignmentRows -Of $others
            $unheldPaths = @($unheld | ForEach-Object { $_.LocationPath })
            $holderIds = @($otherAssignments | Where-Object { $unheldPaths -ccontains $_.LocationPath } | ForEach-Object { $_.VMId })
            $holders = @($others | Where-Object { $holderIds -contains [string]$_.Id })
            $vms = @($vms) + $holders
            $assignments = @($assignments) + @($otherAssignments | Where-Object { $holderIds -contains $_.VMId })
        }
    }

    # --- the resources of the controllers in scope (SurveyDDA's interrupt and MMIO checks) ---------------
    $resources = @(foreach ($device in @($controllers.rows | Where-Object { $resourceIds -contains [string]$_.InstanceId })) {
        $irqs = @(Get-CimAssociatedInstance -InputObject $device -ResultClassName Win32_IRQResource | ForEach-Object { $_.IRQNumber })
        $ranges = @(Get-CimAssociatedInstance -InputObject $device -ResultClassName Win32_DeviceMemoryAddress | ForEach-Object { @{ Start = $_.StartingAddress; End = $_.EndingAddress } })
        @{ InstanceId = [string]$device.InstanceId; IRQNumbers = $irqs; MemoryRanges = $ranges }
    })

    # --- the VMs' settings, shutdown service, processors and GPU partition adapters ---------------------
    $vmRows = @($vms | ForEach-Object { @{ Name = [string]$_.Name; Id = [string]$_.Id; State = [string]$_.State; Generation = [int]$_.Generation; AutomaticStopAction = [string]$_.AutomaticStopAction; DynamicMemoryEnabled = [bool]$_.DynamicMemoryEnabled; MemoryStartup = [long]$_.MemoryStartup; LowMemoryMappedIoSpace = $_.LowMemoryMappedIoSpace; HighMemoryMappedIoSpace = $_.HighMemoryMappedIoSpace; GuestControlledCacheTypes = $_.GuestControlledCacheTypes; IsClustered = [bool]$_.IsClustered } })
    $shutdown = @()
    $processors = @()
    $gpuAdapters = @()
    $gpuUnknown = $false
    if ($vms.Count -gt 0) {
        $shutdown = @(Get-CimInstance -Namespace 'root\virtualization\v2' -ClassName 'Msvm_ShutdownComponent' | ForEach-Object { @{ SystemName = [string]$_.SystemName; EnabledState = $_.EnabledState; OperationalStatus = @($_.OperationalStatus) } })
        $processors = @(Get-VMProcessor -VM $vms | ForEach-Object { @{ VMId = [string]$_.VMId; ExposeVirtualizationExtensions = $_.ExposeVirtualizationExtensions } })
        # Get-VMGpuPartitionAdapter exists from Windows Server 2022 on (its docsets); on an older host the count is unknown.
        try {
            $gpuAdapters = @(Get-VMGpuPartitionAdapter -VM $vms | ForEach-Object { @{ VMId = [string]$_.VMId } })
        }
        catch [System.Management.Automation.CommandNotFoundException] {
            $gpuUnknown = $true
        }
    }

    [ordered]@{
        reads = 'hyperv.dda.host-reads/1'
        computer_name = [string]$env:COMPUTERNAME
        os = @{ Caption = [string]$os.Caption; ProductType = [int]$os.ProductType }
        vm_host = @{ IovSupport = [bool]$vmHost.IovSupport; IovSupportReasons = $reasons }
        device_records = $deviceRecords
        pending_records = $pendingRecords
        settings_records = $settingsRecords
        lease = $lease
        clock = $clock
        storage = $storage
        controllers = $controllerRead
        controller_properties = $properties
        resources = $resources
        vms = $vmRows
        assignments = $assignments
        host_assignable = $hostAssignable
        shutdown_components = $shutdown
        processors = $processors
        gpu_adapters = $gpuAdapters
        gpu_adapters_unknown = $gpuUnknown
    }
}

# A VM removed between Get-VM and a read of it fails that read: the Hyper-V cmdlets report an error for a VM object
# they can no longer find (decompiled SelectManyWithLogging and PerformOperationWithLogging, nforgeio/neonSDK
# Lib/Neon.HyperV/HyperVWmiDriver). When the host's VMs are then not those the survey listed, it reads once more.
$script:listedIds = $null
$failure = $null
$reads = $null
try { $reads = Get-HostReads } catch { $failure = $_ }
if (($null -ne $failure -or -not $reads.storage.vm_hard_disks.ok) -and $null -ne $script:listedIds -and (Get-VMIdList -VMs @(Get-VM)) -ne $script:listedIds) {
    $failure = $null
    $reads = Get-HostReads
}
if ($null -ne $failure) { throw $failure }
$Ansible.Result = $reads
