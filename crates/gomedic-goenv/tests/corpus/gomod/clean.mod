module example.com/m

go 1.22.0

toolchain go1.23.4

require (
	golang.org/x/text v0.3.0 // indirect
)
