mod naming;
