module x
go (
 1.22
)
require (
 go 1.22
 toolchain x
)
replace (
 a => b v1
