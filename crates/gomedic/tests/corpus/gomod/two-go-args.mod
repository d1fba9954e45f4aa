module example.com/m

go 1.22 1.23
