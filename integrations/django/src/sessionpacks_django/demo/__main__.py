from sessionpacks_django.demo.site import main

main()
