# Read-only inventory of IIS modules for the CMDB
Import-Module WebAdministration
Get-WebGlobalModule | Select-Object Name, Image | Export-Csv C:\Temp\modules.csv -NoTypeInformation
Get-WebConfigurationProperty -Filter system.webServer/httpLogging -Name dontLog
