from orchkg.cli import main

main()
