@echo off
rem inventory only
%windir%\system32\inetsrv\appcmd.exe list sites
%windir%\system32\inetsrv\appcmd.exe list apppool
%windir%\system32\inetsrv\appcmd.exe list modules
