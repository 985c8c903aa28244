/* nosym.c - test plugin without the entry symbol: must be refused. */
int not_a_plugin(void);

int not_a_plugin(void)
{
	return 42;
}
