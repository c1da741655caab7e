@echo off
rem Mo ban lam viec cua Thu ky Khoi (bloc-score desk) cho thu muc nay: bam dup tep nay.
rem Viet boi bloc-score init; sua duong dan duoi day neu cai lai Python o cho khac.
chcp 65001 >nul
cd /d "%~dp0"
if exist "{python}" (
    "{python}" -m pipeline desk .
) else (
    bloc-score desk .
)
if errorlevel 1 pause
